import { reportError, type CliIo, type ExitCode } from '@aos/core/cli';
import yargs, { type Argv } from 'yargs';
import packageJson from '../package.json' with { type: 'json' };
import { IntCliError } from './errors';
import type { GlobalOptions } from './flags';

const COMMANDS = ['demo', 'list-skills', 'migrate', 'keys', 'quota', 'audit', 'recover', 'worker'];

export type { CliIo } from '@aos/core/cli';

type Action = () => Promise<ExitCode>;
type Raw = Record<string, unknown>;

const EPILOGUE =
  'Storage: --database-url or DATABASE_URL names a Postgres server; without either, the embedded ' +
  'database under AOS_HOME (default ~/.aos) is used. Exit codes: 0 ok, 1 operational error, ' +
  '2 usage error (nothing written), 3 not found, 5 proof verification failed or audit finding.';

function globals(args: Raw): GlobalOptions {
  return {
    json: args.json === true,
    databaseUrl: typeof args.databaseUrl === 'string' ? args.databaseUrl : undefined,
  };
}

// Each command module is imported only when that command runs: `--help` never loads the
// database drivers.
function buildParser(io: CliIo, choose: (action: Action) => void): Argv {
  const on =
    <T>(load: () => Promise<T>, run: (module: T, args: Raw, g: GlobalOptions) => Promise<ExitCode>) =>
    (args: Raw): void =>
      choose(async () => run(await load(), args, globals(args)));

  return yargs()
    .scriptName('int-cli')
    .usage("$0 <command> [options]\n\nAOS operators' command line. It never creates a customer run.")
    .strict()
    .version(packageJson.version)
    .help()
    .alias('h', 'help')
    .option('json', {
      type: 'boolean',
      default: false,
      global: true,
      describe: 'Print exactly one JSON document on stdout (errors too)',
    })
    .option('database-url', { type: 'string', global: true, describe: 'Postgres server URL; overrides DATABASE_URL' })
    .command(
      'demo',
      "Five honest steps: skills, the demo tenant's quota, a determinism check, a cost event read back, elapsed time",
      (y) =>
        y
          .option('quick', {
            type: 'boolean',
            default: false,
            describe: 'No pauses between steps and no extras (every check still runs)',
          })
          .example('$0 demo', 'Walk through the five steps with short pauses')
          .example('$0 demo --quick --json', 'Same checks, no pauses, one JSON document'),
      on(
        () => import('./commands/demo'),
        (m, a, g) => m.runDemo(a, g, io),
      ),
    )
    .command(
      'list-skills',
      'List the registered skills: name, version, description',
      (y) => y.example('$0 list-skills', 'Table of skills').example('$0 list-skills --json', 'As JSON'),
      on(
        () => import('./commands/list-skills'),
        (m, a, g) => m.runListSkills(a, g, io),
      ),
    )
    .command(
      'migrate',
      'Apply pending migrations and report each one (applied now / already applied)',
      (y) =>
        y
          .example('$0 migrate', 'Migrate the embedded store under AOS_HOME')
          .example('$0 migrate --database-url postgres://aos@db/aos', 'Migrate a server'),
      on(
        () => import('./commands/migrate'),
        (m, a, g) => m.runMigrate(a, g, io),
      ),
    )
    .command('keys', "Show, generate or rotate the deployment's checkpoint signing key", (y) =>
      y
        .command(
          'show',
          'Print the trusted key set: the current verifier key (name+hash+base64) and the retired ones',
          (k) =>
            k
              .example('$0 keys show', 'Verifier keys for `aos-proof verify --key`')
              .example('$0 keys show --json', 'The key set as JSON'),
          on(
            () => import('./commands/keys'),
            (m, a, g) => m.runKeysShow(a, g, io),
          ),
        )
        .command(
          'generate',
          'Create the first signing key file under AOS_HOME; never replaces one (see keys rotate)',
          (k) =>
            k
              .option('name', {
                type: 'string',
                describe:
                  "Key name / deployment origin (default: the key set's newest key, else AOS_ORIGIN, else aos.local)",
              })
              .example('$0 keys generate --name aos.example.com', 'First key of a deployment'),
          on(
            () => import('./commands/keys'),
            (m, a, g) => m.runKeysGenerate(a, g, io),
          ),
        )
        .command(
          'rotate',
          'Replace the signing key; the old verifier key stays trusted as retired, so earlier runs still verify',
          (k) =>
            k
              .option('origin', {
                type: 'string',
                describe: "Name of the new key / deployment origin (default: the old key's)",
              })
              .example('$0 keys rotate', 'New key, same origin; old key retired today')
              .example('$0 keys rotate --origin aos.example.com --json', 'New origin, as JSON'),
          on(
            () => import('./commands/keys'),
            (m, a, g) => m.runKeysRotate(a, g, io),
          ),
        )
        .demandCommand(1, 'keys needs a subcommand: show, generate or rotate')
        .example('$0 keys show', 'Print the verifier keys'),
    )
    .command('quota', "Read or set a tenant's budget limits", (y) =>
      y
        .command(
          'get',
          "Print a tenant's limits (stored, or the defaults) and its spend",
          (q) =>
            q
              .option('tenant-id', { type: 'string', demandOption: true, describe: 'Tenant' })
              .example('$0 quota get --tenant-id acme', 'Limits and spend of acme'),
          on(
            () => import('./commands/quota'),
            (m, a, g) => m.runQuotaGet(a, g, io),
          ),
        )
        .command(
          'set',
          "Set some of a tenant's limits; the others keep their values",
          (q) =>
            q
              .option('tenant-id', { type: 'string', demandOption: true, describe: 'Tenant' })
              .option('daily-cents', { type: 'string', describe: 'Daily limit, cents' })
              .option('hourly-cents', { type: 'string', describe: 'Hourly limit, cents' })
              .option('request-cents', { type: 'string', describe: 'Per-request limit, cents' })
              .option('run-cents', { type: 'string', describe: 'Per-run limit, cents' })
              .option('warn-threshold', {
                type: 'string',
                describe: 'Fraction of a limit that records a warning, 0 < F <= 1',
              })
              .option('hard-limit', { type: 'string', describe: 'true: halt runs at a limit; false: only alert' })
              .example('$0 quota set --tenant-id acme --daily-cents 5000 --warn-threshold 0.9', 'Lower the daily limit')
              .example('$0 quota set --tenant-id acme --hard-limit false', 'Alert without halting'),
          on(
            () => import('./commands/quota'),
            (m, a, g) => m.runQuotaSet(a, g, io),
          ),
        )
        .demandCommand(1, 'quota needs a subcommand: get or set')
        .example('$0 quota get --tenant-id acme', "Read a tenant's limits"),
    )
    .command(
      'audit',
      'Verify every sealed trace, check that every run has its trace and vice versa, and list every finding',
      (y) =>
        y
          .option('tenant-id', { type: 'string', describe: "Only this tenant's traces" })
          .option('limit', { type: 'string', describe: 'Check at most this many sealed traces (trace id order)' })
          .option('trusted-key', { type: 'string', array: true, describe: 'Also trust this verifier key (repeatable)' })
          .option('progress-every', {
            type: 'string',
            default: '1000',
            describe: 'Report progress on stderr every N traces',
          })
          .option('stale-after', {
            type: 'string',
            default: '15m',
            describe: 'A running run with no progress for this long is a finding (as recover --older-than)',
          })
          .example('$0 audit', 'All tenants; exit 5 on any finding')
          .example('$0 audit --tenant-id acme --json', 'One tenant, as JSON'),
      on(
        () => import('./commands/audit'),
        (m, a, g) => m.runAudit(a, g, io),
      ),
    )
    .command(
      'recover',
      'Finish runs left running by a crashed process: run failed, trace aborted and sealed, no step lost',
      (y) =>
        y
          .option('older-than', {
            type: 'string',
            default: '15m',
            describe: 'Only runs with no progress for this long (30s, 15m, 2h, 0)',
          })
          .option('tenant-id', { type: 'string', describe: "Only this tenant's runs" })
          .example('$0 recover', 'Runs idle for 15 minutes or more')
          .example('$0 recover --older-than 0', 'Every running run, now (only when no process is executing runs)'),
      on(
        () => import('./commands/recover'),
        (m, a, g) => m.runRecover(a, g, io),
      ),
    )
    .command(
      'worker',
      'Execute due runs (retry runs whose time has come, queued runs left behind); never creates one',
      (y) =>
        y
          .option('once', { type: 'boolean', default: false, describe: 'Execute what is due now, then exit' })
          .option('interval', { type: 'string', default: '5s', describe: 'Pause between polls when nothing is due' })
          .option('queued-after', {
            type: 'string',
            default: '1m',
            describe: 'Take a queued run only once it is this old (its creator normally runs it at once)',
          })
          .option('batch', { type: 'string', default: '50', describe: 'Runs listed per poll' })
          .example('$0 worker --once', 'Execute every due run once, then exit')
          .example('$0 worker --interval 10s', 'Keep polling until SIGINT/SIGTERM'),
      on(
        () => import('./commands/worker'),
        (m, a, g) => m.runWorker(a, g, io),
      ),
    )
    .demandCommand(1, 'a command is required (see int-cli --help)')
    .recommendCommands()
    .epilogue(EPILOGUE)
    .wrap(helpWidth(io));
}

function helpWidth(io: CliIo): number {
  const columns = (io.stdout as { columns?: number }).columns;
  return io.stdout.isTTY && columns ? Math.min(120, columns) : 100;
}

function parse(parser: Argv, argv: readonly string[]): Promise<{ error: Error | null; output: string }> {
  return new Promise((resolve) => {
    void parser.parse([...argv], {}, (error: Error | null | undefined, _argv: unknown, output: string) => {
      resolve({ error: error ?? null, output });
    });
  });
}

/**
 * Runs `int-cli` with `argv` (without node and script paths) against `io` and returns the
 * exit code. The only place that turns errors into exit codes; it never calls process.exit.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo())
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const json = argv.includes('--json');
  let action: Action | null = null;
  const { error, output } = await parse(
    buildParser(io, (chosen) => (action = chosen)),
    argv,
  );
  try {
    if (error) throw new IntCliError('USAGE', usageMessage(error, argv), 2);
    if (action === null) {
      // --help or --version: yargs only produced text.
      const what = argv.includes('--version') ? 'version' : 'help';
      io.stdout.write(json ? `${JSON.stringify({ [what]: output }, null, 2)}\n` : `${output}\n`);
      return 0;
    }
    return await (action as Action)();
  } catch (caught) {
    const code = reportError(io, caught, json);
    return caught instanceof IntCliError ? caught.exitCode : code;
  }
}

function usageMessage(error: Error, argv: readonly string[]): string {
  const line = error.message.replace(/\s*\n\s*/g, ' ').trim();
  const command = argv.filter((a) => !a.startsWith('-')).slice(0, 2);
  const nested = command[0] === 'keys' || command[0] === 'quota';
  const path = COMMANDS.includes(command[0] ?? '')
    ? nested && command[1]
      ? command.join(' ')
      : command[0]
    : undefined;
  return `${line} (see int-cli${path ? ` ${path}` : ''} --help)`;
}
