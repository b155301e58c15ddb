import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { expect, it } from 'vitest';
import type { z } from 'zod';
import { describeEachDriver, spawnNode, type TestDatabase } from '@aos/testkit';
import { resolveSecrets } from '@aos/core/testing';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { DeleteSecretJsonSchema, ListSecretsJsonSchema, SetSecretJsonSchema } from '../src/json-shapes';
import { main } from '../src/main';
import { BUILT, bufferIo, cliOn, createAgentViaCli, query, requireBuilt, runCli, type CliResult } from './cli-harness';

/** `cus-cli <args>` in-process against the test database, with `stdin` as its standard input. */
async function cliWithStdin(
  t: TestDatabase,
  args: readonly string[],
  stdin: NodeJS.ReadableStream | string | undefined,
): Promise<CliResult> {
  await t.release();
  const io = bufferIo(t.env);
  const input = typeof stdin === 'string' ? Readable.from([Buffer.from(stdin)]) : stdin;
  const code = await main(args, { ...io, stdin: input });
  return { code, stdout: io.out(), stderr: io.err() };
}

function document<T>(result: CliResult, schema: z.ZodType<T>): T {
  return schema.parse(JSON.parse(result.stdout));
}

/** A terminal as stdin: raw mode is recorded, typed text arrives as data. */
function terminal(): PassThrough & { isTTY: true; rawModes: boolean[]; setRawMode(mode: boolean): void } {
  const stream = new PassThrough() as PassThrough & { isTTY: true; rawModes: boolean[]; setRawMode(m: boolean): void };
  stream.isTTY = true;
  stream.rawModes = [];
  stream.setRawMode = (mode) => void stream.rawModes.push(mode);
  return stream;
}

describeEachDriver('cus-cli secrets', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  const stored = (name: string) =>
    query(t, async (db) => (await resolveSecrets(db, tenant, [name], { env: t.env })).get(name));

  it('list and delete open no key; set creates AOS_HOME/data.key (0600) and never the signing key', async () => {
    const empty = await cliWithStdin(t, ['secrets', 'list', '--tenant-id', tenant], undefined);
    expect(empty).toEqual({ code: 0, stdout: 'No secrets.\n', stderr: '' });
    const missing = await cliWithStdin(t, ['secrets', 'delete', 'NOPE', '--tenant-id', tenant], undefined);
    expect(missing.code).toBe(3);
    expect(existsSync(join(t.home, 'data.key'))).toBe(false);

    const set = await cliWithStdin(t, ['secrets', 'set', 'API_TOKEN', '--tenant-id', tenant], 'tok-first\n');
    expect(set).toEqual({
      code: 0,
      stdout: `Stored secret API_TOKEN for tenant ${tenant} (new)\nUse it in plan params as {{secrets.API_TOKEN}}\n`,
      stderr: '',
    });
    expect(statSync(join(t.home, 'data.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(t.home, 'signing.key'))).toBe(false);
  });

  it('set reads the value from stdin, trimming one trailing newline of a piped value', async () => {
    expect(await stored('API_TOKEN')).toBe('tok-first');
    for (const [input, value] of [
      ['crlf-value\r\n', 'crlf-value'],
      ['no-newline', 'no-newline'],
      ['two\nlines\n\n', 'two\nlines\n'],
      ['  spaced  ', '  spaced  '],
    ] as const) {
      const result = await cliWithStdin(t, ['secrets', 'set', 'SHAPED', '--tenant-id', tenant, '--json'], input);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toContain(value.trim());
      expect(await stored('SHAPED')).toBe(value);
    }
  });

  it('set --json replaces and says so; list shows names and dates, never values', async () => {
    const replaced = await cliWithStdin(t, ['secrets', 'set', 'API_TOKEN', '--tenant-id', tenant, '--json'], 'tok-2');
    expect(replaced.code).toBe(0);
    const doc = document(replaced, SetSecretJsonSchema);
    expect(doc).toMatchObject({ created: false, secret: { name: 'API_TOKEN' } });
    expect(await stored('API_TOKEN')).toBe('tok-2');

    const text = await cliWithStdin(t, ['secrets', 'list', '--tenant-id', tenant], undefined);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+CREATED\s+UPDATED$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(['API_TOKEN', 'SHAPED']);
    expect(lines[1]).toMatch(/^API_TOKEN\s+\d{4}-\d\d-\d\dT[\d:.]+Z\s+\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    const json = await cliWithStdin(t, ['secrets', 'list', '--tenant-id', tenant, '--json'], undefined);
    expect(document(json, ListSecretsJsonSchema).secrets.map((s) => s.name)).toEqual(['API_TOKEN', 'SHAPED']);
    for (const output of [text.stdout, json.stdout]) expect(output).not.toContain('tok-2');
    // Another tenant sees none of them.
    const other = await cliWithStdin(t, ['secrets', 'list', '--tenant-id', `${tenant}-other`], undefined);
    expect(other.stdout).toBe('No secrets.\n');
  });

  it('delete removes it; deleting a missing secret is exit 3', async () => {
    const deleted = await cliWithStdin(t, ['secrets', 'delete', 'SHAPED', '--tenant-id', tenant], undefined);
    expect(deleted).toEqual({ code: 0, stdout: 'Deleted secret SHAPED\n', stderr: '' });
    expect(await stored('SHAPED')).toBeUndefined();
    const again = await cliWithStdin(t, ['secrets', 'delete', 'SHAPED', '--tenant-id', tenant], undefined);
    expect(again).toEqual({ code: 3, stdout: '', stderr: 'error: secret SHAPED not found\n' });
    const json = await cliWithStdin(t, ['secrets', 'delete', 'SHAPED', '--tenant-id', tenant, '--json'], undefined);
    expect(json.code).toBe(3);
    expect(document(json, ErrorJsonSchema).error.code).toBe('SECRET_NOT_FOUND');
    const ok = await cliWithStdin(t, ['secrets', 'delete', 'API_TOKEN', '--tenant-id', tenant, '--json'], undefined);
    expect(document(ok, DeleteSecretJsonSchema).deleted.name).toBe('API_TOKEN');
  });

  it('refuses a value flag, a missing tenant, a bad name and empty stdin, storing nothing', async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [['secrets', 'set', 'FLAGGED', '--tenant-id', tenant, '--value', 'v'], 'v', /^error: Unknown argument: value/],
      [
        ['secrets', 'set', 'NO_TENANT'],
        'v',
        /^error: Missing required argument: tenant-id \(see cus-cli secrets set --help\)/,
      ],
      [['secrets', 'set', 'bad-name', '--tenant-id', tenant], 'v', /^error: <name>: must be a letter or _/],
      [['secrets', 'set', 'EMPTY', '--tenant-id', tenant], '\n', /^error: value: nothing was read from stdin/],
      [['secrets', 'set', 'NUL', '--tenant-id', tenant], 'a\u0000b', /^error: value: must not contain NUL characters/],
      [
        ['secrets', 'set', 'BIG', '--tenant-id', tenant],
        'x'.repeat(70_000),
        /^error: value: must be at most 65536 bytes/,
      ],
      [['secrets'], undefined, /^error: Specify a command: cus-cli secrets <set\|list\|delete>/],
    ];
    for (const [args, stdin, message] of cases) {
      const result = await cliWithStdin(t, args, stdin);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
    const listed = await cliWithStdin(t, ['secrets', 'list', '--tenant-id', tenant, '--json'], undefined);
    expect(document(listed, ListSecretsJsonSchema).secrets).toEqual([]);
  });

  it('the built binary reads a value piped into the process', async () => {
    requireBuilt(BUILT.cusCli);
    await t.release();
    const child = spawnNode([BUILT.cusCli, 'secrets', 'set', 'PIPED', '--tenant-id', tenant], {
      env: { DATABASE_URL: '', NO_COLOR: '1', ...t.env },
      input: 'piped-value\n',
    });
    const { code } = await child.exited;
    expect(code, child.stderr()).toBe(0);
    expect(child.stdout()).toBe(
      `Stored secret PIPED for tenant ${tenant} (new)\nUse it in plan params as {{secrets.PIPED}}\n`,
    );
    expect(await stored('PIPED')).toBe('piped-value');
  });

  it('run refuses a goal whose plan would hold a literal credential, in the words docs/skills.md uses', async () => {
    const agentId = await createAgentViaCli(t, ['--name', 'secrets-agent', '--tenant-id', tenant]);
    const result = await cliOn(t, [
      'run',
      '-a',
      agentId,
      '-g',
      'fetch https://ann:hunter2@api.example.com/report',
      '--tenant-id',
      tenant,
    ]);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain(
      'Error: plan_generation_failed: literal credential at s1.params.url (userinfo) (use {{secrets.NAME}})\n',
    );
  });

  it('on a terminal, prompts on stderr and reads one line with echo off', async () => {
    const tty = terminal();
    const pending = cliWithStdin(t, ['secrets', 'set', 'TYPED', '--tenant-id', tenant], tty);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Typed with a mistake corrected by backspace; Enter ends it.
    tty.write('typed-secreX\u007ft\r');
    const result = await pending;
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('Value of TYPED (input is not shown): \n');
    expect(result.stdout).not.toContain('typed-secret');
    expect(tty.rawModes).toEqual([true, false]);
    expect(await stored('TYPED')).toBe('typed-secret');
  });
});

it('secrets set --help says the value comes from stdin with one trailing newline removed', async () => {
  const result = await runCli(['secrets', 'set', '--help'], { AOS_HOME: '/nonexistent/aos-home' });
  expect(result.code).toBe(0);
  const help = result.stdout.replace(/\s+/g, ' ');
  expect(help).toContain('cus-cli secrets set <name>');
  expect(help).toContain('The value is read from stdin, never from a flag');
  expect(help).toContain('one trailing newline of a piped value (\\n or \\r\\n) is removed');
  expect(help).toContain('--tenant-id');
});
