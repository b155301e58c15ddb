import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@aos/testkit';
import { main as intCli } from '../../int-cli/src/main';
import { GetRunJsonSchema, ListRunsJsonSchema, RunCommandJsonSchema } from '../src/json-shapes';
import { bufferIo, cliOn, createAgentViaCli, runCli } from './cli-harness';

// What must never reach a terminal raw from data: ESC (colours, cursor moves), BEL, CR (overwrites
// the line) and a right-to-left override (reorders what follows).
const RAW = ['\u001b', '\u0007', '\r', '\u202e'];
const GOAL = 'echo \u001b[31mred\u0007 and\rback \u202egnp.exe';

function expectNoRaw(text: string): void {
  for (const char of RAW) expect(text.includes(char), JSON.stringify(text)).toBe(false);
}

describe('cus-cli human output escapes controls from data; JSON keeps them', () => {
  let t: TestDatabase;
  const tenant = `tenant-${randomUUID()}`;
  let runId: string;

  beforeAll(async () => {
    t = await createTestDatabase('server');
    const agentId = await createAgentViaCli(t, ['-n', 'hygiene', '--tenant-id', tenant]);
    const run = await cliOn(t, ['run', '--json', '-a', agentId, '-g', GOAL, '--tenant-id', tenant]);
    expect(run.stdout).not.toBe('');
    runId = RunCommandJsonSchema.parse(JSON.parse(run.stdout)).run_id;
    await cliOn(t, ['run', '--json', '-a', agentId, '-g', 'echo second', '--tenant-id', tenant]);
  });
  afterAll(() => t.destroy());

  it('list-runs and get-run print none of ESC, BEL, CR or U+202E raw, and show them escaped', async () => {
    const list = await cliOn(t, ['list-runs', '--tenant-id', tenant]);
    const get = await cliOn(t, ['get-run', runId, '--tenant-id', tenant]);
    for (const result of [list, get]) {
      expect(result.code).toBe(0);
      expectNoRaw(result.stdout + result.stderr);
    }
    expect(get.stdout).toContain('Goal: echo \\x1b[31mred\\x07 and\\x0dback \\u202egnp.exe');
    expect(list.stdout).toContain('\\x1b[31mred\\x07');
  });

  it('--json round-trips the goal exactly', async () => {
    const list = ListRunsJsonSchema.parse(
      JSON.parse((await cliOn(t, ['list-runs', '--json', '--tenant-id', tenant])).stdout),
    );
    const get = GetRunJsonSchema.parse(
      JSON.parse((await cliOn(t, ['get-run', runId, '--json', '--tenant-id', tenant])).stdout),
    );
    expect(get.run.goal).toBe(GOAL);
    expect(list.runs.find((r) => r.id === runId)?.goal).toBe(GOAL);
  });

  it('AOS_TENANT_ID is the default --tenant-id locally; an explicit flag wins', async () => {
    const fromEnv = await cliOn(t, ['list-runs', '--json'], { AOS_TENANT_ID: tenant });
    expect(fromEnv.code).toBe(0);
    expect(ListRunsJsonSchema.parse(JSON.parse(fromEnv.stdout)).runs).toHaveLength(2);
    const flag = await cliOn(t, ['list-runs', '--json', '--tenant-id', `other-${randomUUID()}`], {
      AOS_TENANT_ID: tenant,
    });
    expect(ListRunsJsonSchema.parse(JSON.parse(flag.stdout)).runs).toHaveLength(0);
    const bad = await cliOn(t, ['list-runs'], { AOS_TENANT_ID: 'a\u0007b' });
    expect(bad).toMatchObject({ code: 2, stdout: '' });
    expect(bad.stderr).toMatch(/^error: AOS_TENANT_ID: /);
  });

  it('--quiet drops the next-page hint on stderr; errors still print', async () => {
    const loud = await cliOn(t, ['list-runs', '--tenant-id', tenant, '--limit', '1']);
    expect(loud.stderr).toContain('Next page:');
    const quiet = await cliOn(t, ['list-runs', '--tenant-id', tenant, '--limit', '1', '--quiet']);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
    const failed = await cliOn(t, ['get-run', randomUUID(), '--tenant-id', tenant, '--quiet']);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/^error: /);
  });

  it('FORCE_COLOR paints a pipe, as NO_COLOR keeps a terminal plain', async () => {
    const forced = await cliOn(t, ['get-run', runId, '--tenant-id', tenant], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain(`Status: ${String.fromCharCode(27)}[3`);
    const plain = await cliOn(t, ['get-run', runId, '--tenant-id', tenant], { FORCE_COLOR: '0' });
    expect(plain.stdout).not.toContain('\u001b');
  });
});

describe('cus-cli messages name the problem in the user’s words', () => {
  const env = (): NodeJS.ProcessEnv => ({ AOS_HOME: mkdtempSync(join(tmpdir(), 'aos-msg-')) });

  it('--limit 0x10, 1e3 or a word is refused (exit 2) without zod or NaN in the message', async () => {
    for (const value of ['0x10', '1e3', 'ten', '0']) {
      const result = await runCli(['list-runs', '--tenant-id', 'acme', '--limit', value], env());
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toBe('error: --limit: must be a whole number from 1 to 1000\n');
    }
  });

  it('a flag given twice says so', async () => {
    const result = await runCli(['list-runs', '--tenant-id', 'a', '--tenant-id', 'b'], env());
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('error: --tenant-id: given more than once; give it once\n');
  });

  it('DATABASE_URL is held to the rule of --database-url in both CLIs: exit 2, one line, nothing opened', async () => {
    for (const [url, problem] of [
      ['nope', 'must be a postgres:// or postgresql:// URL'],
      ['mysql://db/aos', 'must be a postgres:// or postgresql:// URL'],
      ['postgres://[::1/aos', 'is not a valid URL'],
    ] as const) {
      const home = env();
      const cus = await runCli(['list-agents'], { ...home, DATABASE_URL: url });
      expect(cus).toMatchObject({ code: 2, stdout: '' });
      expect(cus.stderr).toMatch(new RegExp(`^error: DATABASE_URL: ${problem.replace(/[/.]/g, '\\$&')}[^\\n]*\\n$`));
      const io = bufferIo({ ...home, DATABASE_URL: url });
      expect(await intCli(['tenants', 'list'], io)).toBe(2);
      expect(io.err()).toMatch(/^error: DATABASE_URL: /);
      expect(readdirSync(home.AOS_HOME as string)).toEqual([]);
    }
  });

  it('a damaged embedded directory is named, with what to do, not PGlite’s abort', async () => {
    const home = env();
    expect((await runCli(['list-agents'], home)).code).toBe(0);
    const dataDir = join(home.AOS_HOME as string, 'pgdata');
    for (const db of readdirSync(join(dataDir, 'base'))) {
      for (const file of readdirSync(join(dataDir, 'base', db))) {
        const path = join(dataDir, 'base', db, file);
        if (statSync(path).size > 8192) truncateSync(path, 100);
      }
    }
    const result = await runCli(['list-agents'], home);
    expect(result.code).toBe(1);
    expect(result.stderr).not.toMatch(/Aborted|ASSERTIONS|PGlite/);
    expect(result.stderr).toContain(`error: the embedded database at ${dataDir} is damaged`);
    expect(result.stderr).toMatch(/move it aside .*restore it from a backup.*DATABASE_URL/);
  }, 60_000);

  it('an AOS_HOME that is a file is a usage error naming the directory, not ENOTDIR', async () => {
    const file = join(env().AOS_HOME as string, 'not-a-dir');
    writeFileSync(file, '');
    const result = await runCli(['list-agents', '--tenant-id', 'acme'], { AOS_HOME: file });
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(
      `error: cannot create the embedded database directory ${join(file, 'pgdata')}: part of the path is a file, not a directory; set AOS_HOME to a directory you can write, or DATABASE_URL to a Postgres server\n`,
    );
  });

  it('list-skills is the same table in cus-cli and int-cli', async () => {
    const cus = await runCli(['list-skills'], {});
    const io = bufferIo({});
    expect(await intCli(['list-skills'], io)).toBe(0);
    expect(cus.stdout).toMatch(/^NAME +VERSION +DESCRIPTION\n/);
    expect(io.out()).toBe(cus.stdout);
  });

  it('completion prints a bash completion script for cus-cli', async () => {
    const result = await runCli(['completion'], {});
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('###-begin-cus-cli-completions-###');
    expect(result.stdout).toMatch(/complete .*cus-cli/);
  });
});
