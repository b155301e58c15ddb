import { readFileSync } from 'node:fs';
import {
  exitCodeLegend,
  runCommandLine,
  type CliIo,
  type CommandLineDefinition,
  type ExitCode,
} from '@aos/proof/cli-kit';
import { COMMAND_SPECS, GLOBAL_OPTIONS } from './args';
import type { CommandContext } from './context';

/** The package version, read at run time so the source and the build agree. */
function cliVersion(): string {
  // src/main.ts and dist/*.js are both one level below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

const CUS_CLI: CommandLineDefinition<CommandContext> = {
  scriptName: 'cus-cli',
  usage: '$0 <command> [options]\n\nCreate agents, run goals, read runs, and get and export their proofs.',
  version: cliVersion(),
  globalOptions: GLOBAL_OPTIONS,
  commands: COMMAND_SPECS,
  completion: true,
  missingCommand: 'Specify a command',
  epilogue: exitCodeLegend({
    ok: 'ok',
    operational: 'operational error',
    usage: 'usage error',
    notFound: 'not found',
    runNotSucceeded: 'run did not succeed',
    notVerified: 'proof or log not verified',
    notAuthorised: 'not authorised',
  }),
  context: (base, args) => ({
    ...base,
    databaseUrl: args.databaseUrl,
    apiUrl: args.apiUrl,
    profile: args.profile,
    quiet: args.quiet === true,
  }),
};

/**
 * Runs `cus-cli` with `argv` (without `node` and the script path) against `io`, and returns the
 * exit code (docs/cus-cli.md, "Exit codes"). Never exits the process: the kit's driver holds the
 * one catch where an error becomes an exit code. Only the kit (no database driver, no zod) and
 * yargs load up front; a command's implementation, and with it the database stack, loads when
 * that command runs.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo())
 * ```
 */
export function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  return runCommandLine(CUS_CLI, argv, io);
}
