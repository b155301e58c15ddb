import packageJson from '../../package.json' with { type: 'json' };
import { exitCodeLegend, type CommandLineDefinition } from '../cli-kit/index';

/**
 * The command line of `aos-proof`: what yargs parses and documents in `--help`. The commands'
 * implementations (and zod, and the verifiers) load only when a command runs.
 */
export const AOS_PROOF: CommandLineDefinition = {
  scriptName: 'aos-proof',
  usage: '$0 <command> <file|-> --key <verifier key> [--key …] [--json]',
  version: packageJson.version,
  globalOptions: {
    key: {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'Trusted verifier key name+keyid+base64 (repeatable)',
    },
    json: {
      type: 'boolean',
      default: false,
      describe: 'Print exactly one JSON document on stdout',
    },
  },
  commands: [
    {
      name: 'verify',
      usage: 'verify <bundle>',
      describe: "Verify a run proof bundle offline, with its receipt into the tenant's log",
      options: (command) =>
        command
          .positional('bundle', {
            type: 'string',
            describe: 'Proof bundle JSON file (aos.proof-bundle.v2), or - for stdin (read as a stream, like a file)',
          })
          .option('since', {
            type: 'string',
            requiresArg: true,
            describe:
              'Tenant checkpoint saved earlier (signed note file): the receipt must prove the log still extends it',
          })
          .option('policy', {
            type: 'string',
            requiresArg: true,
            describe: "Witness policy JSON: the receipt's checkpoint needs its quorum of witness cosignatures",
          }),
      examples: [
        ['$0 verify bundle.json --key aos.example.com+1a2b3c4d+AR…', 'exit 0 when VERIFIED, 5 when not'],
        [
          '$0 verify bundle.json --key aos.example.com+1a2b3c4d+AR… --since saved-checkpoint.txt',
          'also FAILED when the log was rewritten since you saved that checkpoint',
        ],
        [
          'curl -s …/bundle | $0 verify - --key aos.example.com+1a2b3c4d+AR… --policy policy.json --json',
          'from stdin; also requires k-of-n witness cosignatures',
        ],
      ],
      load: () => import('./verify-command'),
    },
    {
      name: 'verify-step',
      usage: 'verify-step <proof>',
      describe: 'Verify a single-step inclusion proof offline',
      options: (command) =>
        command.positional('proof', {
          type: 'string',
          describe: 'Step proof JSON file (aos.step-proof.v2), or - for stdin',
        }),
      examples: [],
      load: () => import('./verify-step-command'),
    },
    {
      name: 'witness',
      usage: 'witness <command>',
      describe: 'Run a C2SP tlog-witness that cosigns consistent checkpoints',
      examples: [],
      subcommands: [
        {
          name: 'keygen',
          usage: 'keygen',
          describe: "Create the witness's Ed25519 key file (0600, never overwritten); prints its cosigner key",
          options: (command) =>
            command
              .option('key-file', { type: 'string', requiresArg: true, describe: 'Key file to create' })
              .option('name', { type: 'string', requiresArg: true, describe: 'Witness name, e.g. witness.example/w1' }),
          examples: [
            ['$0 witness keygen --key-file witness.key --name witness.example/w1', 'prints name+keyid+base64'],
          ],
          load: () => import('./witness-keygen-command'),
        },
        {
          name: 'serve',
          usage: 'serve',
          describe: 'Serve POST /add-checkpoint (c2sp.org/tlog-witness) until SIGINT or SIGTERM',
          options: (command) =>
            command
              .option('key-file', { type: 'string', requiresArg: true, describe: "The witness's key file" })
              .option('state', {
                type: 'string',
                requiresArg: true,
                describe: 'Directory of the latest checkpoint per origin',
              })
              .option('host', {
                type: 'string',
                requiresArg: true,
                default: '127.0.0.1',
                describe: 'Address to listen on',
              })
              .option('port', { type: 'string', requiresArg: true, default: '0', describe: 'Port (0: any free port)' })
              .option('log-key', {
                type: 'string',
                array: true,
                requiresArg: true,
                describe: 'Trusted log verifier key (repeatable); a key named N covers origins N and N/…',
              }),
          examples: [
            [
              '$0 witness serve --key-file witness.key --state state/ --port 8080 --log-key aos.example.com+1a2b3c4d+AR…',
              'prints the cosigner key and URL',
            ],
          ],
          load: () => import('./witness-serve-command'),
        },
        {
          name: 'cosign',
          usage: 'cosign <checkpoint>',
          describe:
            "Print a signed checkpoint with this witness's cosignature appended (offline: no log-key check, no state)",
          options: (command) =>
            command
              .positional('checkpoint', { type: 'string', describe: 'Signed checkpoint note file, or - for stdin' })
              .option('key-file', { type: 'string', requiresArg: true, describe: "The witness's key file" })
              .option('time', {
                type: 'string',
                requiresArg: true,
                describe: 'Cosignature time in POSIX seconds (default: now)',
              }),
          examples: [
            ['$0 witness cosign --key-file witness.key checkpoint.txt > cosigned.txt', 'appends one cosignature line'],
          ],
          load: () => import('./witness-cosign-command'),
        },
      ],
    },
    {
      name: 'checkpoint',
      usage: 'checkpoint <command>',
      describe: 'Check signed checkpoints against a witness policy',
      examples: [],
      subcommands: [
        {
          name: 'verify',
          usage: 'verify <checkpoint>',
          describe: 'Verify that a policy log key signed a checkpoint and a quorum of its witnesses cosigned it',
          options: (command) =>
            command
              .positional('checkpoint', { type: 'string', describe: 'Signed checkpoint note file, or - for stdin' })
              .option('policy', {
                type: 'string',
                requiresArg: true,
                describe: 'Witness policy JSON: {"log_keys":[…],"witnesses":[{"name","key"}…],"quorum":k}',
              }),
          examples: [['$0 checkpoint verify cosigned.txt --policy policy.json', 'exit 0 when VERIFIED, 5 when not']],
          load: () => import('./checkpoint-verify-command'),
        },
      ],
    },
  ],
  examples: [['$0 verify bundle.json --key aos.local+1a2b3c4d+AR…', 'exit 0 when VERIFIED, 5 when not']],
  epilogue:
    exitCodeLegend(
      {
        ok: 'verified',
        operational: 'operational error (the input cannot be read)',
        usage:
          'usage error or bad input (a bad flag, key, witness policy or saved checkpoint file; input that is not a proof bundle, step proof ' +
          'or checkpoint: not JSON, ' +
          'a repeated key, nesting deeper than 64 levels, a missing, unknown or malformed member)',
        notVerified: 'not verified',
      },
      ' · ',
    ) + ' With --json, stdout holds one JSON document, errors included: {"error":{"code","message"}}.',
  missingCommand: 'Name a command: verify, verify-step, witness or checkpoint',
  usageErrorCode: 'PROOF_USAGE',
  context: (base) => base,
};
