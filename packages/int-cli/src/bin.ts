import { processIo } from '@aos/core/cli';
import { main } from './main';

// @aos/core/cli loads no database driver, so `--help` and `--version` stay fast. The shebang
// comes from tsup's banner. Setting exitCode (not process.exit) lets stdout drain first.
process.exitCode = await main(process.argv.slice(2), processIo());
