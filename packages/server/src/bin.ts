import { processIo } from '@aos/proof/cli-kit';
import { main } from './main';

// The shebang comes from tsup's banner. main resolves once the server has shut down (SIGTERM,
// SIGINT) or refused to start; setting exitCode (not process.exit) lets output drain first.
process.exitCode = await main(process.argv.slice(2), processIo());
