import type { Argv, Options } from 'yargs';
import type { CommandGroupSpec as KitCommandGroupSpec, CommandSpec as KitCommandSpec } from '@aos/proof/cli-kit';
import type { CommandContext } from './context';

/** The commands of `cus-cli` (docs/cus-cli.md). */
export const COMMAND_NAMES = [
  'run',
  'create-agent',
  'list-agents',
  'get-agent',
  'pause-agent',
  'resume-agent',
  'archive-agent',
  'get-run',
  'list-runs',
  'cancel-run',
  'list-skills',
  'proof',
  'log',
  'secrets',
  'budget',
  'login',
  'logout',
  'whoami',
  'trust',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** One command's option table and where its implementation lives. */
export interface CommandSpec extends KitCommandSpec<CommandContext> {
  readonly name: CommandName;
}

/** A command made of subcommands (`secrets set|list|delete`): it has no implementation of its own. */
export interface CommandGroupSpec extends KitCommandGroupSpec<CommandContext> {
  readonly name: CommandName;
}

/** The options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, Options>> = {
  json: {
    type: 'boolean',
    global: true,
    describe: 'Print exactly one JSON document on stdout (errors too)',
  },
  'database-url': {
    type: 'string',
    global: true,
    requiresArg: true,
    describe: 'Postgres server URL (overrides DATABASE_URL); default: embedded database under AOS_HOME',
  },
  'api-url': {
    type: 'string',
    global: true,
    requiresArg: true,
    describe:
      'AOS server to talk to (remote mode; overrides AOS_API_URL and the profile). The key comes from AOS_API_KEY or the profile',
  },
  profile: {
    type: 'string',
    global: true,
    requiresArg: true,
    describe: 'Login profile to use (default: AOS_PROFILE, else the active one of cus-cli login)',
  },
  quiet: {
    type: 'boolean',
    global: true,
    describe: 'No progress or hints on stderr (errors still print)',
  },
};

// Placeholders in examples: a tenant id is any text; agent and run ids are UUIDs printed by
// create-agent and run.
const TENANT = 'acme';
const AGENT = '$AGENT_ID';
const RUN = '$RUN_ID';

// Where the tenant scopes data it is required locally (checked by aos-session.ts, with yargs'
// message) and optional remotely, where the tenant is the API key's and --tenant-id must equal it.
const tenantOption = (required: boolean, describe: string) =>
  ({
    type: 'string',
    describe: required ? `${describe} (required locally; remotely the API key's tenant)` : describe,
    requiresArg: true,
  }) as const;

const agentIdPositional = (yargs: Argv): Argv =>
  yargs.positional('agent_id', { type: 'string', describe: 'Agent id (UUID), as printed by `create-agent`' });

// `--limit` and `--cursor` of the list commands: the same page size rules for both.
const pageOptions = (yargs: Argv, noun: string, command: string): Argv =>
  yargs
    .option('limit', {
      type: 'string',
      default: '50',
      requiresArg: true,
      describe: `At most this many ${noun} (1..1000)`,
    })
    .option('cursor', {
      type: 'string',
      requiresArg: true,
      describe: `Start after the previous page: its next_cursor (printed on stderr as the next ${command} command)`,
    });

// pause-agent, resume-agent, archive-agent: one spec each, the same shape.
const agentLifecycleSpec = (
  name: 'pause-agent' | 'resume-agent' | 'archive-agent',
  describe: string,
  example: string,
  load: CommandSpec['load'],
): CommandSpec => ({
  name,
  usage: `${name} <agent_id>`,
  describe,
  options: (y) => agentIdPositional(y).option('tenant-id', tenantOption(true, 'Tenant the agent belongs to')),
  examples: [
    [`$0 ${name} ${AGENT} --tenant-id ${TENANT}`, example],
    [`$0 ${name} ${AGENT} --json`, 'Remote: an agent of the API key’s tenant, as JSON'],
  ],
  load,
});

const runIdPositional = (yargs: Argv): Argv =>
  yargs.positional('run_id', { type: 'string', describe: 'Run id (UUID), as printed by `run`' });

const secretNamePositional = (yargs: Argv): Argv =>
  yargs.positional('name', {
    type: 'string',
    describe: 'Secret name: a letter or _, then letters, digits or _ (up to 64), e.g. API_TOKEN',
  });

/**
 * The option table of every command: what yargs parses, checks for presence and documents in
 * `--help`. Values are validated by each command's zod schema; implementations are loaded
 * lazily so `--help` never loads the database stack.
 */
export const COMMAND_SPECS: readonly (CommandSpec | CommandGroupSpec)[] = [
  {
    name: 'run',
    usage: 'run',
    describe: 'Create a run of a goal for an agent and execute it to a terminal status',
    options: (y) =>
      y
        .option('agent-id', {
          alias: 'a',
          type: 'string',
          demandOption: true,
          requiresArg: true,
          describe: 'Agent id (UUID)',
        })
        .option('goal', {
          alias: 'g',
          type: 'string',
          requiresArg: true,
          describe: 'What the agent should do (`-` reads it from stdin); at most 64 KiB of UTF-8',
        })
        .option('goal-file', {
          type: 'string',
          requiresArg: true,
          describe: 'Read the goal from this file instead of --goal',
        })
        .option('tenant-id', tenantOption(true, 'Tenant the run belongs to'))
        .option('origin-system-id', {
          type: 'string',
          default: 'cus-cli',
          requiresArg: true,
          describe: 'System the run comes from',
        })
        .option('idempotency-key', {
          type: 'string',
          requiresArg: true,
          describe: 'Same key + goal + agent returns the existing run instead of a new one',
        })
        .option('verbose', {
          alias: 'v',
          type: 'boolean',
          default: false,
          describe: 'Narrate creation, planning and every step on stderr',
        })
        .option('detach', {
          type: 'boolean',
          default: false,
          describe: 'Remote mode: create the run and return at once, leaving the server to execute it',
        }),
    examples: [
      [`$0 run -a ${AGENT} -g "echo hello" --tenant-id ${TENANT}`, 'Run a goal'],
      [
        `$0 run -a ${AGENT} -g "fetch https://api.example.com/status" --tenant-id ${TENANT} --origin-system-id billing -v`,
        'Run with a custom origin, narrating each step',
      ],
      [`$0 run -a ${AGENT} --goal-file brief.txt --tenant-id ${TENANT}`, 'A long goal, from a file'],
      [
        `$0 run -a ${AGENT} -g "echo once" --tenant-id ${TENANT} --idempotency-key order-42 --json`,
        'Safe to retry; JSON output',
      ],
      [
        `AOS_API_URL=https://aos.example.com $0 run -a ${AGENT} -g "echo later" --detach`,
        'Remote: queue it and return',
      ],
    ],
    load: () => import('./commands/run'),
  },
  {
    name: 'create-agent',
    usage: 'create-agent',
    describe: 'Create an agent, owned by one tenant or shared by all',
    options: (y) =>
      y
        .option('name', { alias: 'n', type: 'string', demandOption: true, requiresArg: true, describe: 'Agent name' })
        .option('tenant-id', tenantOption(false, 'Owning tenant; omit for a shared agent usable by every tenant'))
        .option('budget-cents', {
          type: 'string',
          requiresArg: true,
          describe: 'Budget of the agent in cents (whole number)',
        })
        .option('description', { type: 'string', requiresArg: true, describe: 'Free text shown by list-agents' }),
    examples: [
      [`$0 create-agent --name support-bot --tenant-id ${TENANT}`, 'An agent of one tenant'],
      [
        '$0 create-agent -n shared-helper --budget-cents 2000 --description "Shared helper"',
        'A shared agent with a budget',
      ],
    ],
    load: () => import('./commands/create-agent'),
  },
  {
    name: 'list-agents',
    usage: 'list-agents',
    describe: 'List agents, oldest first (with --tenant-id: that tenant’s own and the shared ones)',
    options: (y) =>
      pageOptions(
        y.option('tenant-id', tenantOption(false, 'Only agents this tenant can use')),
        'agents',
        'list-agents',
      ),
    examples: [
      ['$0 list-agents', 'The first 50 agents'],
      [`$0 list-agents --tenant-id ${TENANT} --json`, 'Agents one tenant can use, as JSON'],
      [`$0 list-agents --tenant-id ${TENANT} --limit 10 --cursor <next_cursor>`, 'The next page'],
    ],
    load: () => import('./commands/list-agents'),
  },
  {
    name: 'get-agent',
    usage: 'get-agent <agent_id>',
    describe: 'Show one agent: name, tenant, status, budget and spend',
    options: (y) => agentIdPositional(y).option('tenant-id', tenantOption(true, 'Tenant that uses the agent')),
    examples: [
      [`$0 get-agent ${AGENT} --tenant-id ${TENANT}`, 'Show one agent'],
      [`$0 get-agent ${AGENT} --json`, 'Remote: as JSON'],
    ],
    load: () => import('./commands/get-agent'),
  },
  agentLifecycleSpec(
    'pause-agent',
    'Pause an agent: it starts no new run until resumed (runs already created go on)',
    'Pause an agent',
    () => import('./commands/pause-agent'),
  ),
  agentLifecycleSpec(
    'resume-agent',
    'Make a paused agent active again (an archived one cannot be resumed: exit 2)',
    'Resume a paused agent',
    () => import('./commands/resume-agent'),
  ),
  agentLifecycleSpec(
    'archive-agent',
    'Archive an agent for good: it is kept (its runs refer to it) but never runs again',
    'Retire an agent',
    () => import('./commands/archive-agent'),
  ),
  {
    name: 'get-run',
    usage: 'get-run <run_id>',
    describe: 'Show a run with its plan, trace and steps',
    options: (y) =>
      runIdPositional(y).option('tenant-id', tenantOption(true, 'Tenant the run belongs to')).option('follow', {
        type: 'boolean',
        default: false,
        describe: 'Print progress until the run is terminal, then show it',
      }),
    examples: [
      [`$0 get-run ${RUN} --tenant-id ${TENANT}`, 'Show one run'],
      [`$0 get-run ${RUN} --follow`, 'Remote: follow a detached run to its end'],
    ],
    load: () => import('./commands/get-run'),
  },
  {
    name: 'list-runs',
    usage: 'list-runs',
    describe: 'List a tenant’s runs, newest first',
    options: (y) =>
      y
        .option('tenant-id', tenantOption(true, 'Tenant whose runs to list'))
        .option('status', {
          type: 'string',
          requiresArg: true,
          describe: 'Only runs in this status: queued, running, succeeded, failed, retry, halted',
        })
        .option('limit', {
          type: 'string',
          default: '50',
          requiresArg: true,
          describe: 'At most this many runs (1..1000)',
        })
        .option('cursor', {
          type: 'string',
          requiresArg: true,
          describe: 'Start after the previous page: its next_cursor (printed on stderr as the next list-runs command)',
        }),
    examples: [
      [`$0 list-runs --tenant-id ${TENANT}`, 'The 50 newest runs'],
      [`$0 list-runs --tenant-id ${TENANT} --status failed --limit 5`, 'The 5 newest failed runs'],
      [`$0 list-runs --tenant-id ${TENANT} --cursor <next_cursor>`, 'The next page'],
    ],
    load: () => import('./commands/list-runs'),
  },
  {
    name: 'cancel-run',
    usage: 'cancel-run <run_id>',
    describe: 'Cancel a queued or retrying run: it ends halted with error "cancelled", its trace sealed',
    options: (y) =>
      runIdPositional(y)
        .option('tenant-id', tenantOption(true, 'Tenant the run belongs to'))
        .epilogue(
          'A run being executed right now is not taken from its worker: exit 1 with "the run is executing; try ' +
            'again". A finished run (succeeded, failed, halted) cannot be cancelled: exit 2. The cancelled run’s ' +
            'proof verifies like any other (`cus-cli proof <run_id>`).',
        ),
    examples: [
      [`$0 cancel-run ${RUN} --tenant-id ${TENANT}`, 'Cancel a queued run'],
      [`$0 cancel-run ${RUN} --json`, 'Remote: as JSON'],
    ],
    load: () => import('./commands/cancel-run'),
  },
  {
    name: 'list-skills',
    usage: 'list-skills',
    describe: 'List the skills plans can use (no database needed)',
    options: (y) => y,
    examples: [
      ['$0 list-skills', 'Name, version and description of every skill'],
      ['$0 list-skills --json', 'Including each skill’s input JSON Schema'],
    ],
    load: () => import('./commands/list-skills'),
  },
  {
    name: 'proof',
    usage: 'proof <run_id>',
    describe:
      'Verify a run’s trace (hash chain, Merkle root, signed checkpoint) and its place in the tenant log; export it',
    options: (y) =>
      runIdPositional(y)
        .option('tenant-id', tenantOption(true, 'Tenant the run belongs to'))
        .option('export', {
          type: 'string',
          requiresArg: true,
          describe:
            'Write the proof bundle to this file (`-` for stdout), to verify offline with `npx @aos/proof verify`',
        })
        .option('step', {
          type: 'string',
          requiresArg: true,
          describe: 'With --export: write the inclusion proof of this one step (0-based step index) instead',
        }),
    examples: [
      [`$0 proof ${RUN} --tenant-id ${TENANT}`, 'Verify a run’s trace'],
      [`$0 proof ${RUN} --tenant-id ${TENANT} --export run.proof.json`, 'Export the bundle for offline verification'],
      [`$0 proof ${RUN} --tenant-id ${TENANT} --export step0.json --step 0`, 'Export the inclusion proof of step 0'],
    ],
    load: () => import('./commands/proof'),
  },
  {
    name: 'log',
    usage: 'log',
    describe: 'The tenant’s transparency log: its newest checkpoint, and proof that it only ever grew',
    examples: [
      [`$0 log status --tenant-id ${TENANT}`, 'The newest checkpoint: size, root hash, witnesses'],
      [`$0 log verify --tenant-id ${TENANT}`, 'Check that the log extends the checkpoint saved here'],
    ],
    subcommands: [
      {
        name: 'status',
        usage: 'status',
        describe: 'Show the tenant’s newest log checkpoint (as stored: not verified) and the size of the saved one',
        options: (y) => y.option('tenant-id', tenantOption(true, 'Tenant whose log to show')),
        examples: [
          [`$0 log status --tenant-id ${TENANT}`, 'Origin, tree size, root hash, cosigning witnesses'],
          ['$0 log status --json', 'Remote: the API key’s tenant, as JSON'],
        ],
        load: () => import('./commands/log-status'),
      },
      {
        name: 'verify',
        usage: 'verify',
        describe: 'Verify the newest checkpoint and that the log extends the saved (or given) one; exit 5 if not',
        options: (y) =>
          y
            .option('tenant-id', tenantOption(true, 'Tenant whose log to verify'))
            .option('since', {
              type: 'string',
              requiresArg: true,
              describe:
                'Check consistency from this checkpoint note file instead of the saved one (then nothing is saved)',
            })
            .epilogue(
              'Every proof and log verify that VERIFIES saves the tenant’s newest checkpoint under ' +
                '$XDG_CONFIG_HOME/aos/checkpoints/ (per profile, or per local database), and every later one ' +
                'requires the log to extend it: a deleted, reordered or rewritten past run is exit 5.',
            ),
        examples: [
          [`$0 log verify --tenant-id ${TENANT}`, 'From the saved checkpoint; save the newest when VERIFIED'],
          [`$0 log verify --tenant-id ${TENANT} --since old.checkpoint`, 'From a checkpoint kept elsewhere'],
        ],
        load: () => import('./commands/log-verify'),
      },
    ],
  },
  {
    name: 'secrets',
    usage: 'secrets',
    describe: 'Store, list and delete the tenant’s secrets, used in plans as {{secrets.NAME}}',
    examples: [
      [`printf %s "$API_TOKEN" | $0 secrets set API_TOKEN --tenant-id ${TENANT}`, 'Store a secret read from stdin'],
      [`$0 secrets list --tenant-id ${TENANT}`, 'Names and dates of the tenant’s secrets'],
      [`$0 secrets delete API_TOKEN --tenant-id ${TENANT}`, 'Delete one'],
    ],
    subcommands: [
      {
        name: 'set',
        usage: 'set <name>',
        describe: 'Store (or replace) a secret, its value read from stdin',
        options: (y) =>
          secretNamePositional(y)
            .option('tenant-id', tenantOption(true, 'Tenant the secret belongs to'))
            .epilogue(
              'The value is read from stdin, never from a flag (flags show in ps and shell history); one trailing ' +
                'newline of a piped value (\\n or \\r\\n) is removed. On a terminal you are prompted and the input ' +
                'is not shown. Values are stored AES-256-GCM encrypted under AOS_DATA_KEY (32 bytes, base64) or ' +
                'AOS_HOME/data.key (created with mode 0600 on first use).',
            ),
        examples: [
          [`printf %s "$API_TOKEN" | $0 secrets set API_TOKEN --tenant-id ${TENANT}`, 'Value from a variable'],
          [`$0 secrets set DB_PASSWORD --tenant-id ${TENANT} < password.txt`, 'Value from a file'],
          [`$0 secrets set API_TOKEN --tenant-id ${TENANT}`, 'Prompt for the value (not echoed)'],
        ],
        load: () => import('./commands/secrets-set'),
      },
      {
        name: 'list',
        usage: 'list',
        describe: 'List the tenant’s secrets: names and dates, never values',
        options: (y) => y.option('tenant-id', tenantOption(true, 'Tenant whose secrets to list')),
        examples: [[`$0 secrets list --tenant-id ${TENANT} --json`, 'As JSON']],
        load: () => import('./commands/secrets-list'),
      },
      {
        name: 'delete',
        usage: 'delete <name>',
        describe: 'Delete a secret (exit 3 when the tenant has none of that name)',
        options: (y) => secretNamePositional(y).option('tenant-id', tenantOption(true, 'Tenant the secret belongs to')),
        examples: [[`$0 secrets delete API_TOKEN --tenant-id ${TENANT}`, 'Delete API_TOKEN']],
        load: () => import('./commands/secrets-delete'),
      },
    ],
  },
  {
    name: 'budget',
    usage: 'budget',
    describe: "Show the tenant's budget: its limits, and what it has spent this hour and today",
    options: (y) => y.option('tenant-id', tenantOption(true, 'Tenant whose budget to show')),
    examples: [
      [`$0 budget --tenant-id ${TENANT}`, 'Spend against the daily and hourly limits'],
      ['$0 budget --json', 'As JSON (remote: the API key’s tenant)'],
    ],
    load: () => import('./commands/budget'),
  },
  {
    name: 'login',
    usage: 'login',
    describe: 'Remote mode: check an API key, pin the server’s verifier key and save both in a profile',
    options: (y) =>
      y
        .option('api-url', { type: 'string', demandOption: true, requiresArg: true, describe: 'The AOS server' })
        .option('yes', {
          type: 'boolean',
          default: false,
          describe: 'Pin the verifier key shown without asking (needed when stdin is not a terminal)',
        })
        .epilogue(
          'The API key is read from stdin (piped) or a prompt that does not echo, never from a flag. Profiles live ' +
            'in $XDG_CONFIG_HOME/aos/ (default ~/.config/aos/): a directory of mode 0700, files 0600.',
        ),
    examples: [
      ['$0 login --api-url https://aos.example.com', 'Prompt for the key, show the verifier key, ask to pin it'],
      [
        'printf %s "$AOS_KEY" | $0 login --api-url https://aos.example.com --profile ci --yes',
        'Non-interactive: key from stdin, pin without asking',
      ],
    ],
    load: () => import('./commands/login'),
  },
  {
    name: 'logout',
    usage: 'logout',
    describe: 'Remove the API key from the profile (its pinned verifier keys stay)',
    examples: [['$0 logout', 'Forget the active profile’s key']],
    load: () => import('./commands/logout'),
  },
  {
    name: 'whoami',
    usage: 'whoami',
    describe: 'Show the mode, and the tenant, key prefix, scopes and API URL (remote) or AOS_HOME and database (local)',
    examples: [
      ['$0 whoami', 'Who am I talking as, and to what'],
      ['$0 whoami --json', 'As JSON'],
    ],
    load: () => import('./commands/whoami'),
  },
  {
    name: 'trust',
    usage: 'trust',
    describe: 'The verifier keys proofs are checked against: list, pin or unpin (per profile)',
    examples: [
      ['$0 trust list', 'The keys trusted now, and where each comes from'],
      ['$0 trust add "aos.example+1a2b3c4d+AR…"', 'Pin a key (e.g. a retired one, for older runs)'],
    ],
    subcommands: [
      {
        name: 'list',
        usage: 'list',
        describe: 'The trusted verifier keys: pinned (profile), AOS_TRUSTED_KEYS, or the local deployment’s',
        examples: [['$0 trust list --json', 'As JSON']],
        load: () => import('./commands/trust-list'),
      },
      {
        name: 'add',
        usage: 'add <vkey>',
        describe: 'Pin a verifier key (name+hash+base64) in the profile',
        options: (y) => y.positional('vkey', { type: 'string', describe: 'Verifier key, name+hash+base64' }),
        examples: [['$0 trust add "$VKEY"', 'Pin it']],
        load: () => import('./commands/trust-add'),
      },
      {
        name: 'remove',
        usage: 'remove <vkey>',
        describe: 'Unpin a verifier key from the profile',
        options: (y) => y.positional('vkey', { type: 'string', describe: 'Verifier key, name+hash+base64' }),
        examples: [['$0 trust remove "$VKEY"', 'Unpin it']],
        load: () => import('./commands/trust-remove'),
      },
    ],
  },
];
