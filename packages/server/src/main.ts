import {
  exitCodeLegend,
  runCommandLine,
  type CliIo,
  type CommandContext,
  type CommandLineDefinition,
  type ExitCode,
} from '@aos/proof/cli-kit';
import packageJson from '../package.json' with { type: 'json' };

/** What the serve command gets: the kit's context and `--database-url`. */
export interface ServerCliContext extends CommandContext {
  readonly databaseUrl: unknown;
}

const AOS_SERVER: CommandLineDefinition<ServerCliContext> = {
  scriptName: 'aos-server',
  usage:
    '$0 [--port 8080] [--host 127.0.0.1]\n\n' +
    'Serves the AOS HTTP API (docs/api.md) from a Postgres server (DATABASE_URL), as a login role ' +
    'granted aos_app (and aos_worker, to execute runs). The embedded database, a superuser, a BYPASSRLS role, the tables owner and a ' +
    'stale schema are refused.',
  version: packageJson.version,
  globalOptions: {
    json: { type: 'boolean', default: false, describe: 'Print start-up errors as one JSON document on stdout' },
    'database-url': { type: 'string', describe: 'Postgres server URL; overrides DATABASE_URL' },
  },
  commands: [
    {
      name: '$0',
      usage: '$0',
      describe: 'Serve the HTTP API until SIGTERM or SIGINT',
      options: (y) =>
        y
          .option('port', {
            type: 'string',
            default: '8080',
            requiresArg: true,
            describe: 'TCP port (0: any free one)',
          })
          .option('host', {
            type: 'string',
            default: '127.0.0.1',
            requiresArg: true,
            describe: 'Address to listen on',
          })
          .option('workers', {
            type: 'string',
            default: '4',
            requiresArg: true,
            describe:
              'Runs this process executes at once (graphile-worker); 0: only int-cli worker processes execute them',
          }),
      examples: [
        ['DATABASE_URL=postgres://aos_api@db/aos $0', 'Serve on 127.0.0.1:8080'],
        ['$0 --host 0.0.0.0 --port 9000', 'Serve on every interface (behind a TLS proxy)'],
        ['$0 --port 0', 'Any free port; the address is printed on stderr'],
        ['$0 --workers 0', 'API only: int-cli worker processes execute the runs'],
      ],
      load: async () => {
        const { runServe } = await import('./serve');
        return { execute: runServe };
      },
    },
  ],
  missingCommand: 'unexpected arguments (see aos-server --help)',
  epilogue:
    'Environment: DATABASE_URL, AOS_HOME (signing and data keys), AOS_REQUEST_TIMEOUT_MS (30000), ' +
    'AOS_RATE_LIMIT_MAX (600) per AOS_RATE_LIMIT_WINDOW_MS (60000), AOS_SHUTDOWN_TIMEOUT_MS (30000), ' +
    'AOS_LOG_LEVEL (info). ' +
    exitCodeLegend({ ok: 'stopped cleanly', operational: 'could not start or serve', usage: 'usage error' }),
  context: (base, args) => ({ ...base, databaseUrl: args.databaseUrl }),
};

/**
 * Runs `aos-server` with `argv` (without node and script paths) against `io`: serves until a
 * SIGTERM or SIGINT and returns the exit code. The kit's driver holds the only catch that turns
 * errors into exit codes; it never calls process.exit.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo())
 * ```
 */
export function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  return runCommandLine(AOS_SERVER, argv, io);
}
