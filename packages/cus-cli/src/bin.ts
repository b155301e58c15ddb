import { processIo } from '@aos/proof/cli-kit';
import { main } from './main';

process.exitCode = await main(process.argv.slice(2), processIo());
