import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnNode } from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import packageJson from '../package.json' with { type: 'json' };
import { MigrateShape } from '../src/json-shapes';
import { ErrorJsonSchema } from '@aos/proof/cli-kit/schemas';
import { BUILT_BIN, requireBuilt, runCli } from './cli-harness';

const COMMANDS = [
  'demo',
  'list-skills',
  'migrate',
  'keys show',
  'keys generate',
  'quota get',
  'quota set',
  'audit',
  'recover',
  'worker',
];

describe('int-cli command line', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), 'int-cli-cli-'));
    env = { AOS_HOME: home, NO_COLOR: '1' };
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it.each(COMMANDS)('%s --help shows usage with examples and exits 0', async (command) => {
    const result = await runCli([...command.split(' '), '--help'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`int-cli ${command}`);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('--json');
    expect(result.stdout).toContain('--database-url');
  });

  it('--help lists every command and never touches storage', async () => {
    const result = await runCli(['--help'], env);
    expect(result.code).toBe(0);
    for (const command of [
      'demo',
      'list-skills',
      'migrate',
      'keys',
      'tenants',
      'api-keys',
      'agents',
      'quota',
      'audit',
      'recover',
      'worker',
    ])
      expect(result.stdout).toContain(`int-cli ${command}`);
    expect(result.stdout).not.toMatch(/create-agent|\brun\b --agent/);
  });

  it('--version prints the package version', async () => {
    expect(await runCli(['--version'], env)).toEqual({ code: 0, stdout: `${packageJson.version}\n`, stderr: '' });
  });

  it.each([
    [['frobnicate'], /Unknown argument: frobnicate \(see int-cli --help\)/],
    [['demo', '--bogus'], /Unknown argument: bogus \(see int-cli demo --help\)/],
    [['keys'], /keys needs a subcommand/],
    [[], /a command is required/],
  ])('usage error %j exits 2 with one line on stderr', async (args, message) => {
    const result = await runCli(args, env);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a usage error under --json is one error document on stdout', async () => {
    const result = await runCli(['demo', '--bogus', '--json'], env);
    expect(result.code).toBe(2);
    expect(ErrorJsonSchema.parse(JSON.parse(result.stdout)).error).toEqual({
      code: 'USAGE',
      message: 'Unknown argument: bogus (see int-cli demo --help)',
    });
  });

  it('migrate applies every migration to a fresh store, then reports them already applied', async () => {
    const first = await runCli(['migrate', '--json'], env);
    expect(first.code).toBe(0);
    const applied = MigrateShape.parse(JSON.parse(first.stdout));
    expect(applied.applied_now).toBeGreaterThanOrEqual(3);
    expect(applied.migrations.every((m) => m.status === 'applied' && m.executed_at !== null)).toBe(true);
    const second = await runCli(['migrate'], env);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^0001_create_core_tables\s+already applied \(\d{4}-/m);
    expect(second.stdout).toContain('Up to date: no pending migration.');
  });

  it('an unreachable --database-url is an operational error (exit 1); a malformed one a usage error', async () => {
    const down = await runCli(['migrate', '--database-url', 'postgres://aos@127.0.0.1:1/none', '--json'], env);
    expect(down.code).toBe(1);
    expect(ErrorJsonSchema.parse(JSON.parse(down.stdout)).error.code).toBe('DB_OPEN_FAILED');
    const bad = await runCli(['quota', 'get', '--tenant-id', 'x', '--database-url', 'mysql://x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--database-url: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('the built binary starts, prints help and maps a usage error to exit 2', async () => {
    requireBuilt(BUILT_BIN);
    const help = spawnNode([BUILT_BIN, '--help'], { env });
    expect((await help.exited).code).toBe(0);
    expect(help.stdout()).toContain('int-cli demo');
    const usage = spawnNode([BUILT_BIN, 'quota', 'set', '--tenant-id', 'x', '--daily-cents', 'abc'], { env });
    expect((await usage.exited).code).toBe(2);
    expect(usage.stderr()).toContain('--daily-cents: must be a non-negative number of cents');
  });
});
