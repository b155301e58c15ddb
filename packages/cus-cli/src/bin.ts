import { processIo } from '@aos/core/cli';
import { main } from './main';

process.exitCode = await main(process.argv.slice(2), processIo());
