import { processIo } from '@aos/proof/cli-kit';
import { main } from './main';

// The kit loads no database driver (nor zod), so `--help` and `--version` stay fast. The shebang
// comes from tsup's banner. Setting exitCode (not process.exit) lets stdout drain first.
process.exitCode = await main(process.argv.slice(2), processIo());
