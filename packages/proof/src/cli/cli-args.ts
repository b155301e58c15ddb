import yargs, { type Argv } from 'yargs';
import { z } from 'zod';

/** Stands for a `-` argument while yargs parses (yargs would read `-` as an empty flag). */
const STDIN_ARGUMENT = '\u0000stdin';

/** The commands of `aos-proof`. */
export const CLI_COMMANDS = ['verify', 'verify-step'] as const;
export type CliCommand = (typeof CLI_COMMANDS)[number];

/** The cross-flag checks of a command line that yargs parsed. */
const CliArgsSchema = z.object({
  command: z.enum(CLI_COMMANDS),
  /** File to read, or `-` for stdin. */
  input: z.string({ error: 'name a file, or - for stdin' }).min(1, 'name a file, or - for stdin'),
  keys: z
    .array(z.string().trim().min(1, '--key must not be empty'))
    .min(1, 'give at least one trusted verifier key with --key name+keyid+base64'),
  json: z.boolean(),
});
/** A parsed, checked command line. */
export type CliArgs = z.infer<typeof CliArgsSchema>;

/** What parsing the command line came to. */
export type ParsedCommandLine =
  | { kind: 'run'; args: CliArgs }
  | { kind: 'print'; what: 'help' | 'version'; text: string }
  | { kind: 'usage-error'; message: string; json: boolean };

function buildParser(version: string): Argv {
  return yargs()
    .scriptName('aos-proof')
    .usage('$0 <command> <file|-> --key <verifier key> [--key …] [--json]')
    .command('verify <bundle>', 'Verify a run proof bundle offline', (command) =>
      command.positional('bundle', {
        type: 'string',
        describe: 'Proof bundle JSON file (aos.proof-bundle.v2), or - for stdin (read as a stream, like a file)',
      }),
    )
    .command('verify-step <proof>', 'Verify a single-step inclusion proof offline', (command) =>
      command.positional('proof', {
        type: 'string',
        describe: 'Step proof JSON file (aos.step-proof.v2), or - for stdin',
      }),
    )
    .option('key', {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'Trusted verifier key name+keyid+base64 (repeatable)',
    })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Print exactly one JSON document on stdout',
    })
    .example('$0 verify bundle.json --key aos.local+1a2b3c4d+AR…', 'exit 0 when VERIFIED, 5 when not')
    .epilogue(
      'Exit codes: 0 verified · 1 operational error (the input cannot be read) · 2 usage error or bad input ' +
        '(a bad flag or key; input that is not a proof bundle or step proof: not JSON, a repeated key, nesting ' +
        'deeper than 64 levels, a missing, unknown or malformed member) · 5 not verified. ' +
        'With --json, stdout holds one JSON document, errors included: {"error":{"code","message"}}.',
    )
    .demandCommand(1, 'Name a command: verify or verify-step')
    .strict()
    .version(version)
    .help()
    .alias('h', 'help')
    .wrap(null)
    .exitProcess(false);
}

/**
 * Parses `aos-proof` arguments. Never prints or throws: help and version come back as text to
 * print, bad usage as a one-line message.
 */
export function parseCommandLine(argv: readonly string[], version: string): ParsedCommandLine {
  const args = argv.map((arg) => (arg === '-' ? STDIN_ARGUMENT : arg));
  const jsonRequested = argv.includes('--json');
  let outcome: ParsedCommandLine | undefined;
  // With a callback and no async handler, yargs parses synchronously and prints nothing.
  void buildParser(version).parse(args, {}, (error, parsed, output) => {
    if (error) {
      outcome = { kind: 'usage-error', message: error.message, json: jsonRequested };
      return;
    }
    if (output !== '') {
      outcome = { kind: 'print', what: argv.includes('--version') ? 'version' : 'help', text: output };
      return;
    }
    const command = parsed._[0];
    const rawInput = command === 'verify' ? parsed.bundle : parsed.proof;
    const json = parsed.json === true;
    const checked = CliArgsSchema.safeParse({
      command,
      input: rawInput === STDIN_ARGUMENT ? '-' : rawInput,
      keys: parsed.key ?? [],
      json,
    });
    if (checked.success) {
      outcome = { kind: 'run', args: checked.data };
    } else {
      const issue = checked.error.issues[0];
      outcome = {
        kind: 'usage-error',
        message: `${String(command)}: ${issue?.message ?? 'invalid arguments'}`,
        json,
      };
    }
  });
  return outcome ?? { kind: 'usage-error', message: 'could not parse the command line', json: jsonRequested };
}
