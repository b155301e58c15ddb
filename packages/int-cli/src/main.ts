import {
  exitCodeLegend,
  runCommandLine,
  type CliIo,
  type CommandLineDefinition,
  type ExitCode,
} from '@aos/proof/cli-kit';
import packageJson from '../package.json' with { type: 'json' };
import { COMMAND_SPECS, GLOBAL_OPTIONS, type IntCliContext } from './args';

const INT_CLI: CommandLineDefinition<IntCliContext> = {
  scriptName: 'int-cli',
  usage: "$0 <command> [options]\n\nAOS operators' command line. It never creates a customer run.",
  version: packageJson.version,
  globalOptions: GLOBAL_OPTIONS,
  commands: COMMAND_SPECS,
  missingCommand: 'a command is required',
  epilogue:
    'Storage: --database-url or DATABASE_URL names a Postgres server; without either, the embedded ' +
    'database under AOS_HOME (default ~/.aos) is used. ' +
    exitCodeLegend({
      ok: 'ok',
      operational: 'operational error',
      usage: 'usage error (nothing written)',
      notFound: 'not found',
      notVerified: 'proof verification failed or audit finding',
    }),
  context: (base, args) => ({
    ...base,
    databaseUrl: typeof args.databaseUrl === 'string' ? args.databaseUrl : undefined,
  }),
};

/**
 * Runs `int-cli` with `argv` (without node and script paths) against `io` and returns the
 * exit code. The kit's driver holds the only catch that turns errors into exit codes; it never
 * calls process.exit.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo())
 * ```
 */
export function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  return runCommandLine(INT_CLI, argv, io);
}
