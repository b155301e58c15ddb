import type { Argv, Options } from 'yargs';
import { writeJson, type CliIo } from './cli-io';
import { UsageError } from './errors';
import { reportError } from './error-report';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { helpWidth } from './help-layout';

/**
 * The options yargs parsed (camelCase and kebab-case keys, positionals by name), handed to a
 * command as they are: the command validates them ({@link parseOptions}).
 */
export type ParsedArgs = Readonly<Record<string, unknown>>;

/**
 * What every command gets besides its own options; a bin adds its global options
 * ({@link CommandLineDefinition.context}).
 *
 * @example
 * ```ts
 * interface CusCliContext extends CommandContext { readonly databaseUrl: unknown }
 * ```
 */
export interface CommandContext {
  readonly io: CliIo;
  /** `--json`: stdout holds exactly one JSON document. */
  readonly json: boolean;
}

/**
 * A command's implementation, loaded only when that command runs.
 *
 * @example
 * ```ts
 * export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
 *   const options = parseOptions(OptionsSchema, args);
 *   // …one call, one renderer…
 *   return EXIT_CODES.ok;
 * }
 * ```
 */
export interface CommandRunner<C extends CommandContext = CommandContext> {
  execute(args: ParsedArgs, context: C): Promise<ExitCode>;
}

/** An example of `--help`: the command line (`$0` is the bin's name) and what it does. */
export type CommandExample = readonly [command: string, description: string];

/**
 * One command of a bin's table: what yargs parses, checks for presence and documents in
 * `--help`, and where the implementation lives.
 *
 * @example
 * ```ts
 * const getRun: CommandSpec<CusCliContext> = {
 *   name: 'get-run',
 *   usage: 'get-run <run_id>',
 *   describe: 'Show a run with its plan, trace and steps',
 *   options: (y) => y.positional('run_id', { type: 'string' }),
 *   examples: [['$0 get-run $RUN_ID --tenant-id acme', 'Show one run']],
 *   load: () => import('./commands/get-run'),
 * };
 * ```
 */
export interface CommandSpec<C extends CommandContext = CommandContext> {
  readonly name: string;
  /** yargs command string, with positionals (`get-run <run_id>`). */
  readonly usage: string;
  readonly describe: string;
  readonly options?: (yargs: Argv) => Argv;
  readonly examples: readonly CommandExample[];
  /** Loaded only when the command runs, so `--help` never loads what the command needs. */
  readonly load: () => Promise<CommandRunner<C>>;
}

/**
 * A command made of subcommands (`secrets set|list|delete`), with no implementation of its own.
 *
 * @example
 * ```ts
 * const keys: CommandGroupSpec = { name: 'keys', usage: 'keys', describe: 'Keys', examples: [], subcommands: [show] };
 * ```
 */
export interface CommandGroupSpec<C extends CommandContext = CommandContext> {
  readonly name: string;
  readonly usage: string;
  readonly describe: string;
  readonly examples: readonly CommandExample[];
  readonly subcommands: readonly CommandSpec<C>[];
  /** The usage error when no subcommand is named; default `Specify a command: <bin> <group> <a|b>`. */
  readonly missingSubcommand?: string;
}

/**
 * A bin's whole command line, declared as data: {@link runCommandLine} builds the parser from it.
 *
 * @example
 * ```ts
 * const AOS_PROOF: CommandLineDefinition = {
 *   scriptName: 'aos-proof',
 *   usage: '$0 <command> <file|-> --key <verifier key>',
 *   version: '0.1.0',
 *   epilogue: exitCodeLegend({ ok: 'verified', usage: 'usage error', notVerified: 'not verified' }),
 *   globalOptions: { json: { type: 'boolean', default: false, describe: 'One JSON document on stdout' } },
 *   commands: [verify, verifyStep],
 *   missingCommand: 'Name a command: verify or verify-step',
 *   context: (base) => base,
 * };
 * ```
 */
export interface CommandLineDefinition<C extends CommandContext = CommandContext> {
  readonly scriptName: string;
  /** The first lines of the top-level `--help` (`$0` is the bin's name). */
  readonly usage: string;
  readonly version: string;
  /** The last paragraph of the top-level `--help`: at least the exit codes ({@link exitCodeLegend}). */
  readonly epilogue: string;
  readonly examples?: readonly CommandExample[];
  /** Options every command accepts (`--json`, `--database-url`…). */
  readonly globalOptions?: Readonly<Record<string, Options>>;
  readonly commands: readonly (CommandSpec<C> | CommandGroupSpec<C>)[];
  /** The usage error when no command is named. */
  readonly missingCommand: string;
  /** `<bin> completion` prints yargs' bash/zsh completion script when true. */
  readonly completion?: boolean;
  /** The code of the parser's usage errors; default `USAGE`. */
  readonly usageErrorCode?: string;
  /** Builds a command's context from the base one and the parsed global options. */
  readonly context: (base: CommandContext, args: ParsedArgs) => C;
}

// yargs reads a lone `-` (stdin, or stdout) as an empty option; it stands in for it while yargs parses.
const DASH = '\u0000-';

type Parsed<C extends CommandContext> =
  | { readonly kind: 'output'; readonly what: 'help' | 'version'; readonly text: string }
  | { readonly kind: 'command'; readonly spec: CommandSpec<C>; readonly args: ParsedArgs };

/**
 * Runs a bin: parses `argv` (without node and the script path) with the parser `definition`
 * declares, prints `--help` or `--version` (as `{"help":…}` / `{"version":…}` with `--json`), or
 * loads the chosen command and runs it with its context. Returns the exit code and never exits
 * the process. It holds the one catch of the bin: a parser failure becomes a {@link UsageError}
 * `… (see <bin> <command> --help)`, and any error is reported by {@link reportError} and mapped to
 * its exit code. yargs itself is loaded when this runs, so importing the kit stays cheap.
 *
 * @example
 * ```ts
 * export function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
 *   return runCommandLine(CUS_CLI, argv, io);
 * }
 * ```
 */
export async function runCommandLine<C extends CommandContext>(
  definition: CommandLineDefinition<C>,
  argv: readonly string[],
  io: CliIo,
): Promise<ExitCode> {
  // Until yargs has parsed (or when it refuses the command line), go by the raw flag.
  let json = argv.some((arg) => arg === '--json' || arg === '--json=true');
  try {
    const parsed = await parseCommandLine(definition, argv, io);
    if (parsed.kind === 'output') {
      if (json) writeJson(io, { [parsed.what]: parsed.text });
      else io.stdout.write(`${parsed.text}\n`);
      return EXIT_CODES.ok;
    }
    json = parsed.args.json === true;
    const command = await parsed.spec.load();
    return await command.execute(parsed.args, definition.context({ io, json }, parsed.args));
  } catch (error) {
    return reportError(io, error, json);
  }
}

async function parseCommandLine<C extends CommandContext>(
  definition: CommandLineDefinition<C>,
  argv: readonly string[],
  io: CliIo,
): Promise<Parsed<C>> {
  const { default: yargs } = await import('yargs');
  let selected: Parsed<C> | undefined;
  let failure: string | undefined;
  // The command whose builder yargs ran last: the one a failure is about.
  let path: readonly string[] = [];
  const parser = yargs()
    .scriptName(definition.scriptName)
    .usage(definition.usage)
    .options({ ...definition.globalOptions })
    .version(definition.version)
    .help()
    .alias('help', 'h')
    .strict()
    .demandCommand(1, definition.missingCommand)
    .recommendCommands()
    .wrap(helpWidth(io))
    .epilogue(definition.epilogue)
    .exitProcess(false)
    .fail((message: string | null | undefined, error: Error | undefined) => {
      failure ??= message ?? error?.message ?? 'invalid command line';
    });
  for (const [command, description] of definition.examples ?? []) parser.example(command, description);
  if (definition.completion === true) parser.completion('completion', 'Print a bash/zsh completion script');

  const register = (parent: Argv, spec: CommandSpec<C> | CommandGroupSpec<C>, parents: readonly string[]): void => {
    const here = [...parents, spec.name];
    const build = (y: Argv): Argv => {
      path = here;
      let built = y;
      if ('subcommands' in spec) {
        for (const sub of spec.subcommands) register(built, sub, here);
        const names = spec.subcommands.map((sub) => sub.name).join('|');
        built = built.demandCommand(
          1,
          spec.missingSubcommand ?? `Specify a command: ${definition.scriptName} ${spec.name} <${names}>`,
        );
      } else if (spec.options) {
        built = spec.options(built);
      }
      for (const [command, description] of spec.examples) built = built.example(command, description);
      return built;
    };
    if ('subcommands' in spec) parent.command(spec.usage, spec.describe, build);
    else
      parent.command(spec.usage, spec.describe, build, (args) => {
        selected = { kind: 'command', spec, args: restoreDashes(args) };
      });
  };
  for (const spec of definition.commands) register(parser, spec, []);

  let output = '';
  await parser.parse(
    argv.map((arg) => (arg === '-' ? DASH : arg)),
    {},
    (_error: Error | undefined, _args: unknown, text: string) => {
      output = text;
    },
  );
  if (selected === undefined && output === '') failure ??= definition.missingCommand;
  if (failure !== undefined) {
    throw new UsageError(usageMessage(definition.scriptName, failure, path), { code: definition.usageErrorCode });
  }
  if (selected) return selected;
  return { kind: 'output', what: argv.includes('--version') ? 'version' : 'help', text: output };
}

function usageMessage(scriptName: string, failure: string, path: readonly string[]): string {
  const line = failure
    .replaceAll(DASH, '-')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
  // A default command (`$0`, aos-server's) is the bin itself.
  return `${line} (see ${[scriptName, ...path.filter((name) => name !== '$0')].join(' ')} --help)`;
}

function restoreDashes(args: Readonly<Record<string, unknown>>): ParsedArgs {
  const restore = (value: unknown): unknown => {
    if (value === DASH) return '-';
    return Array.isArray(value) ? value.map(restore) : value;
  };
  return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, restore(value)]));
}
