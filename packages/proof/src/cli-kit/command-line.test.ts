import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io';
import {
  runCommandLine,
  type CommandContext,
  type CommandLineDefinition,
  type CommandRunner,
  type ParsedArgs,
} from './command-line';
import { CliError } from './errors';
import { EXIT_CODES, type ExitCode } from './exit-codes';
import { exitCodeLegend } from './help-layout';
import { ErrorJsonSchema, HelpJsonSchema, VersionJsonSchema } from './json-envelopes';

interface DemoContext extends CommandContext {
  readonly databaseUrl: unknown;
}

/** A bin of three commands and one group; records what each command was given and what was loaded. */
function demoBin(behaviour: (args: ParsedArgs, context: DemoContext) => Promise<ExitCode> = () => Promise.resolve(0)) {
  const loaded: string[] = [];
  const calls: { command: string; args: ParsedArgs; context: DemoContext }[] = [];
  const runner =
    (command: string): (() => Promise<CommandRunner<DemoContext>>) =>
    () => {
      loaded.push(command);
      return Promise.resolve({
        execute: (args, context) => {
          calls.push({ command, args, context });
          return behaviour(args, context);
        },
      });
    };
  const definition: CommandLineDefinition<DemoContext> = {
    scriptName: 'demo',
    usage: '$0 <command> [options]\n\nA bin for the tests.',
    version: '1.2.3',
    epilogue: exitCodeLegend({ ok: 'ok', usage: 'usage error', notFound: 'not found' }),
    globalOptions: {
      json: { type: 'boolean', global: true, describe: 'Print exactly one JSON document on stdout' },
      'database-url': { type: 'string', global: true, requiresArg: true, describe: 'Postgres URL' },
    },
    commands: [
      {
        name: 'greet',
        usage: 'greet <who>',
        describe: 'Say hello',
        options: (y) =>
          y
            .positional('who', { type: 'string', describe: 'Whom to greet' })
            .option('loud', { type: 'boolean', default: false, describe: 'Shout' })
            .option('times', { type: 'string', demandOption: true, requiresArg: true, describe: 'How often' }),
        examples: [['$0 greet world --times 2', 'Say hello twice']],
        load: runner('greet'),
      },
      { name: 'fail', usage: 'fail', describe: 'Fails', examples: [], load: runner('fail') },
      {
        name: 'keys',
        usage: 'keys',
        describe: 'Key commands',
        examples: [['$0 keys show', 'Show the key']],
        subcommands: [
          { name: 'show', usage: 'show', describe: 'Show the key', examples: [], load: runner('keys show') },
          { name: 'rotate', usage: 'rotate', describe: 'Rotate it', examples: [], load: runner('keys rotate') },
        ],
      },
    ],
    missingCommand: 'Specify a command',
    context: (base, args) => ({ ...base, databaseUrl: args.databaseUrl }),
  };
  return { definition, loaded, calls };
}

function bufferIo(): CliIo & { out(): string; err(): string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env: {},
    out: () => out,
    err: () => err,
  };
}

async function run(argv: string[], bin = demoBin()) {
  const io = bufferIo();
  const code = await runCommandLine(bin.definition, argv, io);
  return { code, stdout: io.out(), stderr: io.err(), ...bin };
}

describe('runCommandLine: help and version', () => {
  it('--help lists every command, the global options and the epilogue, and loads no command', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^demo <command> \[options\]\n\nA bin for the tests\.\n/);
    for (const line of ['demo greet <who>', 'demo fail', 'demo keys', '--database-url', '--json', '-h, --help'])
      expect(result.stdout).toContain(line);
    expect(result.stdout.trimEnd().endsWith('Exit codes: 0 ok, 2 usage error, 3 not found.')).toBe(true);
    expect(result.stderr).toBe('');
    expect(result.loaded).toEqual([]);
  });

  it('a command’s --help shows its positionals, options and examples, and does not load it', async () => {
    const result = await run(['greet', '--help']);
    expect(result.code).toBe(0);
    for (const line of [
      'demo greet <who>',
      'Whom to greet',
      '--loud',
      '--times',
      'Examples:',
      'demo greet world --times 2',
    ])
      expect(result.stdout).toContain(line);
    expect(result.loaded).toEqual([]);
    const sub = await run(['keys', 'show', '-h']);
    expect(sub.stdout).toContain('demo keys show');
    expect(sub.loaded).toEqual([]);
  });

  it('--version prints the version', async () => {
    expect(await run(['--version'])).toMatchObject({ code: 0, stdout: '1.2.3\n', stderr: '' });
  });

  it('with --json, help and version are one JSON document each', async () => {
    const help = await run(['greet', '--help', '--json']);
    expect(HelpJsonSchema.parse(JSON.parse(help.stdout)).help).toContain('demo greet <who>');
    const version = await run(['--version', '--json']);
    expect(VersionJsonSchema.parse(JSON.parse(version.stdout))).toEqual({ version: '1.2.3' });
    expect(version.stdout).toBe('{\n  "version": "1.2.3"\n}\n');
  });
});

describe('runCommandLine: usage errors', () => {
  it.each([
    [['greet', 'world'], 'Missing required argument: times (see demo greet --help)'],
    [['greet', 'world', '--times', '2', '--colour'], 'Unknown argument: colour (see demo greet --help)'],
    [['greet', '--times', '2'], 'Not enough non-option arguments: got 0, need at least 1 (see demo greet --help)'],
    [['keys'], 'Specify a command: demo keys <show|rotate> (see demo keys --help)'],
    [['keys', 'show', '--bogus'], 'Unknown argument: bogus (see demo keys show --help)'],
    [['--json', 'keys', 'show', '--bogus'], 'Unknown argument: bogus (see demo keys show --help)'],
    [['frobnicate'], 'Unknown argument: frobnicate (see demo --help)'],
    [['gret'], 'Did you mean greet? (see demo --help)'],
    [[], 'Specify a command (see demo --help)'],
    [['fail', '--database-url'], 'Not enough arguments following: database-url (see demo fail --help)'],
  ])('%j is one line naming the problem and the help to read, exit 2, nothing loaded', async (argv, message) => {
    const result = await run(argv.filter((arg) => arg !== '--json'));
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: `error: ${message}\n` });
    expect(result.loaded).toEqual([]);
    const json = await run([...argv, '--json']);
    expect(json.code).toBe(2);
    expect(ErrorJsonSchema.parse(JSON.parse(json.stdout))).toEqual({ error: { code: 'USAGE', message } });
    expect(json.stderr).toBe('');
  });

  it('names a usage error with the bin’s own code when it has one', async () => {
    const bin = demoBin();
    const definition = { ...bin.definition, usageErrorCode: 'PROOF_USAGE' };
    const result = await run(['frobnicate', '--json'], { ...bin, definition });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { code: 'PROOF_USAGE' } });
  });

  it('shows a lone - in a message as it was typed', async () => {
    const result = await run(['greet', 'a', '-', '--times', '1']);
    expect(result.stderr).toBe('error: Unknown argument: - (see demo greet --help)\n');
  });
});

describe('runCommandLine: running a command', () => {
  it('loads only the chosen command, and gives it its options and the context', async () => {
    const result = await run(['greet', 'world', '--times', '3', '--loud', '--database-url', 'postgres://db/x']);
    expect(result.code).toBe(0);
    expect(result.loaded).toEqual(['greet']);
    const [call] = result.calls;
    expect(call?.args).toMatchObject({ who: 'world', times: '3', loud: true, databaseUrl: 'postgres://db/x' });
    expect(call?.context).toMatchObject({ json: false, databaseUrl: 'postgres://db/x' });
    expect(call?.context.io.env).toEqual({});
  });

  it('runs a subcommand of a group', async () => {
    const result = await run(['keys', 'rotate', '--json']);
    expect(result.loaded).toEqual(['keys rotate']);
    expect(result.calls[0]?.context.json).toBe(true);
  });

  it('hands a lone - (stdin) to the command as it was typed', async () => {
    const result = await run(['greet', '-', '--times', '-']);
    expect(result.calls[0]?.args).toMatchObject({ who: '-', times: '-' });
  });

  it('returns the command’s exit code', async () => {
    const bin = demoBin(() => Promise.resolve(EXIT_CODES.notVerified));
    expect((await run(['fail'], bin)).code).toBe(5);
  });
});

describe('runCommandLine: the one catch', () => {
  const throwing = (error: Error) => demoBin(() => Promise.reject(error));

  it('maps what a command throws to its exit code, and reports it in one line or one document', async () => {
    const notFound = await run(['fail'], throwing(new CliError('KEY_NOT_FOUND', 'no key yet\nsecond line', 3)));
    expect(notFound).toMatchObject({ code: 3, stdout: '', stderr: 'error: no key yet\n' });

    const coded = Object.assign(new Error('run r not found'), { code: 'RUN_NOT_FOUND' });
    const json = await run(['fail', '--json'], throwing(coded));
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'RUN_NOT_FOUND', message: 'run r not found' } });
    expect(json.stderr).toBe('');

    const unexpected = await run(['fail', '--json'], throwing(new TypeError('x is undefined')));
    expect(unexpected.code).toBe(1);
    expect(JSON.parse(unexpected.stdout)).toEqual({ error: { code: 'INTERNAL', message: 'x is undefined' } });
  });

  it('reports a command that cannot be loaded like any other error', async () => {
    const bin = demoBin();
    const broken: typeof bin.definition = {
      ...bin.definition,
      commands: [
        {
          name: 'fail',
          usage: 'fail',
          describe: 'Fails',
          examples: [],
          load: () => Promise.reject(new Error('chunk missing')),
        },
      ],
    };
    const result = await run(['fail'], { ...bin, definition: broken });
    expect(result).toMatchObject({ code: 1, stderr: 'error: chunk missing\n' });
  });
});
