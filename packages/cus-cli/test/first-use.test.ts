import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from './cli-harness';

const home = mkdtempSync(join(tmpdir(), 'cus-cli-first-use-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

it('says on stderr, once, that the first command creates the embedded database; --json stdout stays one document', async () => {
  const env = { AOS_HOME: home, DATABASE_URL: '', XDG_CONFIG_HOME: join(home, 'config'), NO_COLOR: '1' };
  const dataDir = join(home, 'pgdata');
  const first = await runCli(['list-agents', '--tenant-id', 'first-use', '--json'], env);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toBe(`Creating the embedded database in ${dataDir} (first use, a few seconds)...\n`);
  expect(() => JSON.parse(first.stdout) as unknown).not.toThrow();

  const again = await runCli(['list-agents', '--tenant-id', 'first-use', '--json'], env);
  expect(again.code, again.stderr).toBe(0);
  expect(again.stderr).toBe('');
}, 120_000);

it('--quiet leaves the first-use line out', async () => {
  const quietHome = join(home, 'quiet');
  const env = { AOS_HOME: quietHome, DATABASE_URL: '', XDG_CONFIG_HOME: join(quietHome, 'config'), NO_COLOR: '1' };
  const first = await runCli(['list-agents', '--tenant-id', 'first-use', '--quiet'], env);
  expect(first.code, first.stderr).toBe(0);
  expect(first.stderr).toBe('');
}, 120_000);
