#!/usr/bin/env node
import { processIo } from './cli-kit/index';
import { main } from './cli/main';

process.exitCode = await main(process.argv.slice(2), processIo());
