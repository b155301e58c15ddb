import type { Options } from 'yargs';
import type { CliIo, CommandGroupSpec, CommandRunner, CommandSpec, ExitCode } from '@aos/proof/cli-kit';
import type { GlobalOptions } from './flags';

/** What a command of int-cli gets: the kit's context and the global options. */
export interface IntCliContext extends GlobalOptions {
  readonly io: CliIo;
}

/** A command module's entry point, in int-cli's calling convention. */
type IntCommand = (args: Record<string, unknown>, g: GlobalOptions, io: CliIo) => Promise<ExitCode>;

// Each command module is imported only when that command runs: `--help` never loads the
// database drivers.
const lazy =
  <M>(load: () => Promise<M>, pick: (module: M) => IntCommand) =>
  async (): Promise<CommandRunner<IntCliContext>> => {
    const command = pick(await load());
    return { execute: (args, context) => command(args, context, context.io) };
  };

/** The options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, Options>> = {
  json: {
    type: 'boolean',
    default: false,
    global: true,
    describe: 'Print exactly one JSON document on stdout (errors too)',
  },
  'database-url': { type: 'string', global: true, describe: 'Postgres server URL; overrides DATABASE_URL' },
};

const keys: CommandGroupSpec<IntCliContext> = {
  name: 'keys',
  usage: 'keys',
  describe: "Show, generate or rotate the deployment's checkpoint signing key",
  missingSubcommand: 'keys needs a subcommand: show, generate or rotate',
  examples: [['$0 keys show', 'Print the verifier keys']],
  subcommands: [
    {
      name: 'show',
      usage: 'show',
      describe: 'Print the trusted key set: the current verifier key (name+hash+base64) and the retired ones',
      examples: [
        ['$0 keys show', 'Verifier keys for `aos-proof verify --key`'],
        ['$0 keys show --json', 'The key set as JSON'],
      ],
      load: lazy(
        () => import('./commands/keys'),
        (m) => m.runKeysShow,
      ),
    },
    {
      name: 'generate',
      usage: 'generate',
      describe: 'Create the first signing key file under AOS_HOME; never replaces one (see keys rotate)',
      options: (k) =>
        k.option('name', {
          type: 'string',
          describe: "Key name / deployment origin (default: the key set's newest key, else AOS_ORIGIN, else aos.local)",
        }),
      examples: [['$0 keys generate --name aos.example.com', 'First key of a deployment']],
      load: lazy(
        () => import('./commands/keys'),
        (m) => m.runKeysGenerate,
      ),
    },
    {
      name: 'rotate',
      usage: 'rotate',
      describe: 'Replace the signing key; the old verifier key stays trusted as retired, so earlier runs still verify',
      options: (k) =>
        k.option('origin', {
          type: 'string',
          describe: "Name of the new key / deployment origin (default: the old key's)",
        }),
      examples: [
        ['$0 keys rotate', 'New key, same origin; old key retired today'],
        ['$0 keys rotate --origin aos.example.com --json', 'New origin, as JSON'],
      ],
      load: lazy(
        () => import('./commands/keys'),
        (m) => m.runKeysRotate,
      ),
    },
  ],
};

const quota: CommandGroupSpec<IntCliContext> = {
  name: 'quota',
  usage: 'quota',
  describe: "Read or set a tenant's budget limits",
  missingSubcommand: 'quota needs a subcommand: get or set',
  examples: [['$0 quota get --tenant-id acme', "Read a tenant's limits"]],
  subcommands: [
    {
      name: 'get',
      usage: 'get',
      describe: "Print a tenant's limits (stored, or the defaults) and its spend",
      options: (q) => q.option('tenant-id', { type: 'string', demandOption: true, describe: 'Tenant' }),
      examples: [['$0 quota get --tenant-id acme', 'Limits and spend of acme']],
      load: lazy(
        () => import('./commands/quota'),
        (m) => m.runQuotaGet,
      ),
    },
    {
      name: 'set',
      usage: 'set',
      describe: "Set some of a tenant's limits; the others keep their values",
      options: (q) =>
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
          .option('hard-limit', { type: 'string', describe: 'true: halt runs at a limit; false: only alert' }),
      examples: [
        ['$0 quota set --tenant-id acme --daily-cents 5000 --warn-threshold 0.9', 'Lower the daily limit'],
        ['$0 quota set --tenant-id acme --hard-limit false', 'Alert without halting'],
      ],
      load: lazy(
        () => import('./commands/quota'),
        (m) => m.runQuotaSet,
      ),
    },
  ],
};

const tenantFlag = { type: 'string', demandOption: true, requiresArg: true, describe: 'Tenant id' } as const;

const db: CommandGroupSpec<IntCliContext> = {
  name: 'db',
  usage: 'db',
  describe: 'Database administration: the roles AOS works as',
  missingSubcommand: 'db needs a subcommand: roles',
  examples: [['$0 db roles --print', 'The SQL that creates the roles']],
  subcommands: [
    {
      name: 'roles',
      usage: 'roles',
      describe:
        'Create the roles aos_owner, aos_app and aos_audit where missing (as a role that may create roles); idempotent',
      options: (y) =>
        y.option('print', {
          type: 'boolean',
          default: false,
          describe: 'Print the SQL instead of running it (connects to nothing)',
        }),
      examples: [
        ['$0 db roles --database-url postgres://admin@db/aos', 'Create the roles on a server'],
        ['$0 db roles --print | psql', 'Or hand the SQL to psql'],
      ],
      load: lazy(
        () => import('./commands/db'),
        (m) => m.runDbRoles,
      ),
    },
  ],
};

const tenants: CommandGroupSpec<IntCliContext> = {
  name: 'tenants',
  usage: 'tenants',
  describe: 'Create, list, suspend and resume the tenants of a service deployment',
  missingSubcommand: 'tenants needs a subcommand: create, list, suspend or resume',
  examples: [['$0 tenants create --tenant-id acme --name "Acme Corp"', 'A new tenant']],
  subcommands: [
    {
      name: 'create',
      usage: 'create',
      describe: 'Create a tenant (exit 2 when the id is taken)',
      options: (y) =>
        y
          .option('tenant-id', tenantFlag)
          .option('name', { type: 'string', requiresArg: true, describe: 'Display name (default: the id)' }),
      examples: [['$0 tenants create --tenant-id acme', 'Tenant acme']],
      load: lazy(
        () => import('./commands/tenants'),
        (m) => m.runTenantsCreate,
      ),
    },
    {
      name: 'list',
      usage: 'list',
      describe: 'List the tenants, oldest first',
      examples: [['$0 tenants list --json', 'As JSON']],
      load: lazy(
        () => import('./commands/tenants'),
        (m) => m.runTenantsList,
      ),
    },
    {
      name: 'suspend',
      usage: 'suspend',
      describe: 'Suspend a tenant: its API keys are refused (403) until it is resumed; its data stays',
      options: (y) => y.option('tenant-id', tenantFlag),
      examples: [['$0 tenants suspend --tenant-id acme', 'Refuse acme’s keys']],
      load: lazy(
        () => import('./commands/tenants'),
        (m) => m.runTenantsSuspend,
      ),
    },
    {
      name: 'resume',
      usage: 'resume',
      describe: 'Resume a suspended tenant',
      options: (y) => y.option('tenant-id', tenantFlag),
      examples: [['$0 tenants resume --tenant-id acme', 'Accept acme’s keys again']],
      load: lazy(
        () => import('./commands/tenants'),
        (m) => m.runTenantsResume,
      ),
    },
  ],
};

const apiKeys: CommandGroupSpec<IntCliContext> = {
  name: 'api-keys',
  usage: 'api-keys',
  describe: "Create, list and revoke a tenant's API keys (a new key is shown once; only its hash is stored)",
  missingSubcommand: 'api-keys needs a subcommand: create, list or revoke',
  examples: [['$0 api-keys create --tenant-id acme', 'A key with every scope']],
  subcommands: [
    {
      name: 'create',
      usage: 'create',
      describe: 'Create an API key for a tenant and print it once (with --json: the `key` field)',
      options: (y) =>
        y
          .option('tenant-id', tenantFlag)
          .option('scope', {
            type: 'string',
            array: true,
            requiresArg: true,
            describe: 'runs:write, runs:read, proofs:read or secrets:write (repeatable; default: all four)',
          })
          .option('name', { type: 'string', requiresArg: true, describe: 'A label shown by api-keys list' }),
      examples: [
        ['$0 api-keys create --tenant-id acme', 'Every scope'],
        ['$0 api-keys create --tenant-id acme --scope runs:read --scope proofs:read', 'Read-only'],
      ],
      load: lazy(
        () => import('./commands/api-keys'),
        (m) => m.runApiKeysCreate,
      ),
    },
    {
      name: 'list',
      usage: 'list',
      describe: 'List API keys: id, prefix, tenant, scopes, last use, revocation — never a secret',
      options: (y) => y.option('tenant-id', { type: 'string', requiresArg: true, describe: 'Only this tenant’s keys' }),
      examples: [['$0 api-keys list --tenant-id acme', 'Keys of acme']],
      load: lazy(
        () => import('./commands/api-keys'),
        (m) => m.runApiKeysList,
      ),
    },
    {
      name: 'revoke',
      usage: 'revoke <key_id>',
      describe: 'Revoke a key for good (exit 3 for an unknown id)',
      options: (y) => y.positional('key_id', { type: 'string', describe: 'Key id, as api-keys list prints it' }),
      examples: [['$0 api-keys revoke $KEY_ID', 'Revoke one key']],
      load: lazy(
        () => import('./commands/api-keys'),
        (m) => m.runApiKeysRevoke,
      ),
    },
  ],
};

const agents: CommandGroupSpec<IntCliContext> = {
  name: 'agents',
  usage: 'agents',
  describe: 'Create agents shared by every tenant (a tenant creates its own through cus-cli)',
  missingSubcommand: 'agents needs a subcommand: create',
  examples: [['$0 agents create --shared --name helper', 'A shared agent']],
  subcommands: [
    {
      name: 'create',
      usage: 'create',
      describe: 'Create a shared agent, usable by every tenant',
      options: (y) =>
        y
          .option('shared', {
            type: 'boolean',
            default: false,
            describe: 'Required: the agent is shared by every tenant',
          })
          .option('name', { type: 'string', demandOption: true, requiresArg: true, describe: 'Agent name' })
          .option('budget-cents', { type: 'string', requiresArg: true, describe: 'Budget in cents' })
          .option('description', { type: 'string', requiresArg: true, describe: 'Free text shown by list-agents' }),
      examples: [['$0 agents create --shared --name helper --budget-cents 2000', 'Shared, with a budget']],
      load: lazy(
        () => import('./commands/agents'),
        (m) => m.runAgentsCreate,
      ),
    },
  ],
};

/**
 * The option table of every command: what yargs parses, checks for presence and documents in
 * `--help`. Values are validated by each command's zod schema (flags.ts).
 */
export const COMMAND_SPECS: readonly (CommandSpec<IntCliContext> | CommandGroupSpec<IntCliContext>)[] = [
  {
    name: 'demo',
    usage: 'demo',
    describe:
      "Five honest steps: skills, the demo tenant's quota, a determinism check, a cost event read back, elapsed time",
    options: (y) =>
      y.option('quick', {
        type: 'boolean',
        default: false,
        describe: 'No pauses between steps and no extras (every check still runs)',
      }),
    examples: [
      ['$0 demo', 'Walk through the five steps with short pauses'],
      ['$0 demo --quick --json', 'Same checks, no pauses, one JSON document'],
    ],
    load: lazy(
      () => import('./commands/demo'),
      (m) => m.runDemo,
    ),
  },
  {
    name: 'list-skills',
    usage: 'list-skills',
    describe: 'List the registered skills: name, version, description',
    examples: [
      ['$0 list-skills', 'Table of skills'],
      ['$0 list-skills --json', 'As JSON'],
    ],
    load: lazy(
      () => import('./commands/list-skills'),
      (m) => m.runListSkills,
    ),
  },
  {
    name: 'migrate',
    usage: 'migrate',
    describe: 'Apply pending migrations and report each one (applied now / already applied)',
    examples: [
      ['$0 migrate', 'Migrate the embedded store under AOS_HOME'],
      ['$0 migrate --database-url postgres://aos@db/aos', 'Migrate a server'],
    ],
    load: lazy(
      () => import('./commands/migrate'),
      (m) => m.runMigrate,
    ),
  },
  db,
  keys,
  tenants,
  apiKeys,
  agents,
  quota,
  {
    name: 'audit',
    usage: 'audit',
    describe: 'Verify every sealed trace, check that every run has its trace and vice versa, and list every finding',
    options: (y) =>
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
        }),
    examples: [
      ['$0 audit', 'All tenants; exit 5 on any finding'],
      ['$0 audit --tenant-id acme --json', 'One tenant, as JSON'],
    ],
    load: lazy(
      () => import('./commands/audit'),
      (m) => m.runAudit,
    ),
  },
  {
    name: 'recover',
    usage: 'recover',
    describe: 'Finish runs left running by a crashed process: run failed, trace aborted and sealed, no step lost',
    options: (y) =>
      y
        .option('older-than', {
          type: 'string',
          default: '15m',
          describe: 'Only runs with no progress for this long (30s, 15m, 2h, 0)',
        })
        .option('tenant-id', { type: 'string', describe: "Only this tenant's runs" }),
    examples: [
      ['$0 recover', 'Runs idle for 15 minutes or more'],
      ['$0 recover --older-than 0', 'Every running run, now (only when no process is executing runs)'],
    ],
    load: lazy(
      () => import('./commands/recover'),
      (m) => m.runRecover,
    ),
  },
  {
    name: 'worker',
    usage: 'worker',
    describe: 'Execute the queued runs of a Postgres server (graphile-worker); start as many as the database allows',
    options: (y) =>
      y
        .option('concurrency', { type: 'string', default: '4', describe: 'Runs this process executes at once' })
        .option('once', {
          type: 'boolean',
          default: false,
          describe: 'Execute what is due now (one at a time), then exit',
        }),
    examples: [
      ['$0 worker --concurrency 8', 'Work until SIGTERM, which drains: current steps finish, runs are released'],
      ['$0 worker --once', 'Recover what is due, execute every due job, then exit'],
    ],
    load: lazy(
      () => import('./commands/worker'),
      (m) => m.runWorker,
    ),
  },
];
