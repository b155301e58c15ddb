import { randomUUID } from 'node:crypto';
import { encodeSigningKey } from '@aos/proof';
import { getRunProof } from '@aos/proof/postgres';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, fixturePath, spawnNode, type TestDatabase } from '@aos/testkit';
import { drainTenantLog, executeRunAttempt, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

const sequencing = { signingKey: TEST_SIGNING_KEY, trustedKeys: [TEST_SIGNING_KEY.verifierKey] };

async function queuedRun(db: Kysely<Database>, tenant: string): Promise<string> {
  const run = await createPlannedRun(db, {
    tenantId: tenant,
    steps: [planStep(1, 'echo', { message: 'crash me' }, { depends_on: [] })],
  });
  await executeRunAttempt(db, run.id, { ...testDeps(), afterSeal: undefined });
  return run.id;
}

// SIGKILL needs a second process on the same database, which the embedded store (one process)
// cannot give; the transaction semantics the test relies on are Postgres's in both.
describe.skipIf(!inject('aosServerAvailable'))('tenant log: a sequencer killed mid-batch [server]', () => {
  let t: TestDatabase;
  let db: Kysely<Database>;
  beforeAll(async () => {
    t = await createTestDatabase('server');
    db = await t.db();
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('loses no run and never signs two checkpoints of one size', async () => {
    const tenant = `t-${randomUUID()}`;
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await queuedRun(db, tenant));
    // Hold the batch inside its transaction: leaves and nodes written, the checkpoint insert waiting.
    await sql`CREATE FUNCTION pg_temp_hold() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(60); RETURN NEW; END $$`.execute(db);
    await sql`CREATE TRIGGER hold_checkpoint BEFORE INSERT ON tenant_log_checkpoints
      FOR EACH ROW EXECUTE FUNCTION pg_temp_hold()`.execute(db);
    const child = spawnNode([fixturePath('sequence-log.mjs'), tenant], {
      env: { ...t.env, AOS_SIGNING_KEY: encodeSigningKey(TEST_SIGNING_KEY) },
      cwd: fixturePath('.'),
    });
    try {
      await child.waitForOutput('sequencing');
      // Wait until the child sits in the held insert, i.e. mid-batch with its rows written.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const held = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND query ILIKE '%insert into "tenant_log_checkpoints"%' AND state = 'active'`.execute(
          db,
        );
        if ((held.rows[0]?.n ?? 0) > 0) break;
        if (Date.now() > deadline) throw new Error(`the child never reached the checkpoint insert: ${child.stdout()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      child.child.kill('SIGKILL');
      await child.exited;
    } finally {
      await sql`DROP TRIGGER hold_checkpoint ON tenant_log_checkpoints`.execute(db);
      await sql`DROP FUNCTION pg_temp_hold()`.execute(db);
    }
    expect(child.stdout()).not.toContain('logged');
    // The killed batch left nothing: every run still queued, no leaf, no checkpoint.
    const count = async (table: 'tenant_log_leaves' | 'tenant_log_checkpoints' | 'tenant_log_queue') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select(sql<number>`count(*)`.as('n'))
            .where('tenant_id', '=', tenant)
            .executeTakeFirst()
        )?.n,
      );
    // The server notices the dead connection and rolls its transaction back.
    const rolledBack = Date.now() + 20_000;
    while ((await count('tenant_log_leaves')) > 0 && Date.now() < rolledBack)
      await new Promise((r) => setTimeout(r, 50));
    expect(await count('tenant_log_leaves')).toBe(0);
    expect(await count('tenant_log_checkpoints')).toBe(0);
    expect(await count('tenant_log_queue')).toBe(4);
    // The next sequencer logs them all, once each, under one checkpoint per size.
    const batches = await drainTenantLog(db, tenant, sequencing);
    expect(batches.map((b) => b.treeSize)).toEqual([4]);
    const sizes = await db
      .selectFrom('tenant_log_checkpoints')
      .select('tree_size')
      .where('tenant_id', '=', tenant)
      .execute();
    expect(sizes.map((s) => Number(s.tree_size))).toEqual([4]);
    for (const runId of runs) {
      const proof = await getRunProof(db, tenant, runId, sequencing);
      expect(proof.integrity.verification_status).toBe('VERIFIED');
    }
  });
});
