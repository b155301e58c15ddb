import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { fixturePath, spawnNode } from '@aos/testkit';
import { openDatabase } from '@aos/core/testing';

// Real child processes use the built @aos/core (pnpm test builds first).
describe('embedded directory lock (two processes)', () => {
  const home = mkdtempSync(join(tmpdir(), 'aos-lock-'));
  const dataDir = join(home, 'pgdata');
  cpSync(inject('aosEmbeddedTemplate'), dataDir, { recursive: true });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('makes the second process wait with a message, then both writes are intact', async () => {
    const first = spawnNode([fixturePath('hold-embedded.mjs'), dataDir, 'first', 'stdin'], {
      cwd: fixturePath('.'),
      keepStdinOpen: true,
    });
    await first.waitForOutput('opened');
    const second = spawnNode([fixturePath('hold-embedded.mjs'), dataDir, 'second', '0', '60000'], {
      cwd: fixturePath('.'),
    });
    await second.waitForStderr(`waiting for process ${first.child.pid} to release the database`);
    expect(second.stdout()).toBe('');
    first.child.stdin?.end();
    const [a, b] = await Promise.all([first.exited, second.exited]);
    expect(a.code).toBe(0);
    expect(b.code, second.stderr()).toBe(0);
    expect(second.stderr()).toContain(`waiting for process ${first.child.pid} to release the database`);
    expect(existsSync(`${dataDir}.lock`)).toBe(false);

    const store = await openDatabase({ dataDir, env: {} });
    try {
      const names = await store.admin
        .selectFrom('agents')
        .select('name')
        .where('tenant_id', '=', 'lock-test')
        .orderBy('name')
        .execute();
      expect(names.map((r) => r.name)).toEqual(['first', 'second']);
    } finally {
      await store.close();
    }
  });

  it('fails the second process cleanly when the wait runs out, writing nothing', async () => {
    const first = spawnNode([fixturePath('hold-embedded.mjs'), dataDir, 'holder', 'stdin'], {
      cwd: fixturePath('.'),
      keepStdinOpen: true,
    });
    await first.waitForOutput('opened');
    const second = spawnNode([fixturePath('hold-embedded.mjs'), dataDir, 'impatient', '0', '300'], {
      cwd: fixturePath('.'),
    });
    const b = await second.exited;
    first.child.stdin?.end();
    expect(b.code).toBe(1);
    expect(second.stderr()).toMatch(
      new RegExp(`^DB_LOCKED: the embedded database lock .* is held by process ${first.child.pid}; waited 0s`, 'm'),
    );
    expect((await first.exited).code).toBe(0);

    const store = await openDatabase({ dataDir, env: {} });
    try {
      const names = await store.admin.selectFrom('agents').select('name').where('name', '=', 'impatient').execute();
      expect(names).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('takes over the lock of a process that died without releasing it', async () => {
    const crashed = spawnNode([fixturePath('hold-embedded.mjs'), dataDir, 'crashed', 'stdin'], {
      cwd: fixturePath('.'),
      keepStdinOpen: true,
    });
    await crashed.waitForOutput('opened');
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(existsSync(`${dataDir}.lock`)).toBe(true);
    const store = await openDatabase({ dataDir, env: {}, lockTimeoutMs: 2000 });
    try {
      const names = await store.admin.selectFrom('agents').select('name').where('name', '=', 'crashed').execute();
      expect(names).toEqual([{ name: 'crashed' }]);
    } finally {
      await store.close();
    }
  });
});
