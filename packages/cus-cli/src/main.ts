import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { EXIT_CODES, reportError, type CliIo } from '@aos/core/cli';
import { COMMAND_SPECS, type CommandGroupSpec, type CommandSpec } from './args';
import type { ParsedArgs } from './context';
import { UsageError } from './usage-error';

/** A command that runs: a top-level one, or a subcommand of a group. */
type RunnableSpec = Omit<CommandSpec, 'name'> & { readonly name: string };

/** What parsing the command line decided. */
type Parsed =
  | { readonly kind: 'output'; readonly text: string; readonly what: 'help' | 'version' }
  | { readonly kind: 'command'; readonly spec: RunnableSpec; readonly args: ParsedArgs };

/** The package version, read at run time so the source and the build agree. */
export function cliVersion(): string {
  // src/main.ts and dist/*.js are both one level below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Runs `cus-cli` with `argv` (without `node` and the script path) against `io`, and returns the
 * exit code (docs/cus-cli.md, "Exit codes"). Never exits the process: the one place where an error becomes an exit
 * code is here. Only `@aos/core/cli` (no database driver) and yargs load up front; a command's
 * implementation, and with it the database stack, loads when that command runs.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo())
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // Until yargs has parsed (or when it refuses the command line), go by the raw flag.
  let json = argv.some((arg) => arg === '--json' || arg === '--json=true');
  try {
    const parsed = parseCommandLine(argv, io);
    if (parsed.kind === 'output') {
      if (json) io.stdout.write(`${JSON.stringify({ [parsed.what]: parsed.text }, null, 2)}\n`);
      else io.stdout.write(`${parsed.text}\n`);
      return 0;
    }
    json = parsed.args.json === true;
    const command = await parsed.spec.load();
    return await command.execute(parsed.args, { io, json, databaseUrl: parsed.args.databaseUrl });
  } catch (error) {
    const code = reportError(io, error, json);
    return error instanceof UsageError ? EXIT_CODES.usage : code;
  }
}

function parseCommandLine(argv: readonly string[], io: CliIo): Parsed {
  let selected: Parsed | undefined;
  let failure: string | undefined;
  const parser = yargs()
    .scriptName('cus-cli')
    .usage('$0 <command> [options]\n\nCreate agents, run goals, read runs, and get and export their proofs.')
    .option('json', {
      type: 'boolean',
      global: true,
      describe: 'Print exactly one JSON document on stdout (errors too)',
    })
    .option('database-url', {
      type: 'string',
      global: true,
      requiresArg: true,
      describe: 'Postgres server URL (overrides DATABASE_URL); default: embedded database under AOS_HOME',
    })
    .version(cliVersion())
    .help()
    .alias('help', 'h')
    .strict()
    .demandCommand(1, 'Specify a command; see cus-cli --help')
    .recommendCommands()
    .wrap(helpWidth(io))
    .epilogue(
      'Exit codes: 0 ok, 1 operational error, 2 usage error, 3 not found, 4 run did not succeed, 5 proof not verified.',
    )
    .exitProcess(false)
    .fail((message, error) => {
      failure ??= message ?? error?.message ?? 'invalid command line';
    });
  const select = (spec: RunnableSpec, args: ParsedArgs): void => {
    selected = { kind: 'command', spec, args };
  };
  for (const spec of COMMAND_SPECS) registerCommand(parser, spec, select);
  let output = '';
  // Every handler is synchronous, so the callback has run when parse returns.
  void parser.parse([...argv], {}, (_error, _args, text) => {
    output = text;
  });
  if (failure !== undefined) throw new UsageError(usageMessage(failure, argv));
  if (selected) return selected;
  const what = argv.includes('--version') ? 'version' : 'help';
  return { kind: 'output', text: output, what };
}

function isGroup(spec: RunnableSpec | CommandGroupSpec): spec is CommandGroupSpec {
  return 'subcommands' in spec;
}

function registerCommand(
  parser: Argv,
  spec: RunnableSpec | CommandGroupSpec,
  select: (spec: RunnableSpec, args: ParsedArgs) => void,
): Argv {
  return parser.command(
    spec.usage,
    spec.describe,
    (y) => {
      let built = y;
      if (isGroup(spec)) {
        for (const sub of spec.subcommands) built = registerCommand(built, sub, select);
        const names = spec.subcommands.map((sub) => sub.name).join('|');
        built = built.demandCommand(1, `Specify a command: cus-cli ${spec.name} <${names}>`);
      } else {
        built = spec.options(built);
      }
      for (const [command, description] of spec.examples) built = built.example(command, description);
      return built;
    },
    (args) => {
      if (!isGroup(spec)) select(spec, args);
    },
  );
}

// A terminal gets help fitted to its width; a pipe or file gets unwrapped lines.
function helpWidth(io: CliIo): number | null {
  const columns = (io.stdout as { columns?: number }).columns;
  return io.stdout.isTTY && columns ? Math.min(120, columns) : null;
}

function usageMessage(failure: string, argv: readonly string[]): string {
  const line = failure.replace(/\s*\n\s*/g, ' ').trim();
  const command = COMMAND_SPECS.find((spec) => spec.name === argv[0]);
  if (!command) return line;
  const sub = isGroup(command) ? command.subcommands.find((spec) => spec.name === argv[1]) : undefined;
  return `${line} (see cus-cli ${command.name}${sub ? ` ${sub.name}` : ''} --help)`;
}
