import { main } from './main';

// Same streams as @aos/core's processIo(); built here because @aos/core's entry loads the
// database drivers, which `--help` and `--version` must not wait for. The shebang comes from
// tsup's banner. Setting exitCode (not process.exit) lets stdout drain first.
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  stdin: process.stdin,
});
