import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cosignerKeyFrom, generateSigningKey, verifyCosignature } from '@aos/proof';
import { startWitnessServer } from '@aos/proof/node';
import { readLogCheckpoint } from '@aos/proof/postgres';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@aos/testkit';
import {
  executeRunAttempt,
  isAosError,
  parseWitnessTargets,
  startLogSequencer,
  type AosDatabase,
  type Database,
} from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

async function queuedRun(db: Kysely<Database>, tenant: string): Promise<string> {
  const run = await createPlannedRun(db, {
    tenantId: tenant,
    steps: [planStep(1, 'echo', { message: 'background' }, { depends_on: [] })],
  });
  await executeRunAttempt(db, run.id, { ...testDeps(), afterSeal: undefined });
  return run.id;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('AOS_WITNESSES', () => {
  const witness = cosignerKeyFrom(generateSigningKey('w1.example'));
  it('reads "<url> <cosigner key>" entries separated by commas or newlines', () => {
    const targets = parseWitnessTargets(
      `http://127.0.0.1:7001/ ${witness.verifierKey},\n https://w2.example ${witness.verifierKey}`,
    );
    expect(targets.map((t) => [t.url, t.key.name])).toEqual([
      ['http://127.0.0.1:7001', 'w1.example'],
      ['https://w2.example', 'w1.example'],
    ]);
    expect(parseWitnessTargets('  ')).toEqual([]);
  });
  it('refuses a bad entry naming it', () => {
    for (const [text, message] of [
      ['http://x', /entry 1 must be "<url> <cosigner verifier key>"/],
      [`ftp://x ${witness.verifierKey}`, /entry 1: the URL must be http or https/],
      [`http://x ${witness.verifierKey}, http://y nonsense`, /entry 2: cosigner key "nonsense"/],
    ] as const) {
      let error: unknown;
      try {
        parseWitnessTargets(text);
      } catch (caught) {
        error = caught;
      }
      expect(isAosError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe.skipIf(!inject('aosServerAvailable'))('the background sequencer of a service [server]', () => {
  let t: TestDatabase;
  let store: AosDatabase;
  let db: Kysely<Database>;
  beforeAll(async () => {
    t = await createTestDatabase('server');
    store = await t.store();
    db = await t.db();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  const options = () => ({
    store,
    signer: () => Promise.resolve(TEST_SIGNING_KEY),
    trustedKeys: () => Promise.resolve([TEST_SIGNING_KEY.verifierKey]),
    witnesses: [],
    pollMs: 20,
  });

  it('one is active per database; the other stands by and takes over when the first stops', async () => {
    const first = startLogSequencer(options());
    await until(() => Promise.resolve(first.status().role === 'active'), 'the first to be active');
    const second = startLogSequencer(options());
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(second.status().role).toBe('standby');
      const tenant = `t-${randomUUID()}`;
      await queuedRun(db, tenant);
      await first.settle();
      expect((await readLogCheckpoint(db, tenant))?.tree_size).toBe(1);
      await first.stop();
      expect(first.status().role).toBe('stopped');
      await until(() => Promise.resolve(second.status().role === 'active'), 'the second to take over');
      await queuedRun(db, tenant);
      await queuedRun(db, tenant);
      await second.settle();
      expect((await readLogCheckpoint(db, tenant))?.tree_size).toBe(3);
      expect(second.status().lastBatchAt).not.toBeNull();
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('a restarted sequencer resumes the cosignatures a witness missed while it was unreachable', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'aos-resume-witness-'));
    const witnessKey = generateSigningKey('witness.test/resume');
    const witness = await startWitnessServer({ key: witnessKey, stateDir, logKeys: [TEST_SIGNING_KEY.verifierKey] });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const tenant = `t-${randomUUID()}`;
    try {
      // First the witness is named at an address where nothing answers.
      const [unreachable] = parseWitnessTargets(`http://127.0.0.1:${port} ${witness.verifierKey}`);
      const first = startLogSequencer({ ...options(), witnesses: [unreachable!] });
      try {
        await queuedRun(db, tenant);
        await first.settle();
        await until(() => Promise.resolve(first.status().witnesses[0]?.lastError !== null), 'the submission to fail');
        // This tenant's checkpoint waits (and those of the tenants of the tests before, never cosigned).
        expect(first.status().witnesses[0]?.pending).toBeGreaterThanOrEqual(1);
      } finally {
        await first.stop();
      }
      // After a restart with the right address, nothing new is sealed, yet the checkpoint is cosigned.
      const [reachable] = parseWitnessTargets(`${witness.url} ${witness.verifierKey}`);
      const second = startLogSequencer({ ...options(), witnesses: [reachable!] });
      try {
        await until(
          async () => ((await readLogCheckpoint(db, tenant))?.cosigned_by.length ?? 0) > 0,
          'the cosignature',
        );
        const latest = await readLogCheckpoint(db, tenant);
        expect(latest?.cosigned_by).toEqual(['witness.test/resume']);
        expect(verifyCosignature(latest!.checkpoint, reachable!.key).valid).toBe(true);
        await until(
          () => Promise.resolve(second.status().witnesses[0]?.pending === 0),
          'every waiting tenant cosigned',
        );
        expect(second.status().witnesses[0]?.lastError).toBeNull();
      } finally {
        await second.stop();
      }
    } finally {
      await witness.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('integrates every tenant with waiting seals, each into its own log', async () => {
    const sequencer = startLogSequencer(options());
    try {
      const tenants = [`t-${randomUUID()}`, `t-${randomUUID()}`];
      for (const tenant of tenants) await queuedRun(db, tenant);
      await sequencer.settle();
      for (const tenant of tenants) expect((await readLogCheckpoint(db, tenant))?.tree_size).toBe(1);
    } finally {
      await sequencer.stop();
    }
  });
});
