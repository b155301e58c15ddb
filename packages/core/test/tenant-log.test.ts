import { randomUUID } from 'node:crypto';
import {
  merkleTreeHash,
  parseCheckpointBody,
  proofFromBase64,
  readTreeHash,
  verifyConsistency,
  verifyNote,
} from '@aos/proof';
import {
  getRunProof,
  readLogCheckpoint,
  readLogConsistency,
  readRunReceipt,
  storedTreeReader,
} from '@aos/proof/postgres';
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { drainTenantLog, executeRunAttempt, sequenceTenantLog, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, refusal, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

const trusted = { trustedKeys: [TEST_SIGNING_KEY.verifierKey] };
const sequencing = { signingKey: TEST_SIGNING_KEY, trustedKeys: [TEST_SIGNING_KEY.verifierKey] };

/** A sealed run; `log: false` leaves it queued (no inline sequencer). */
async function sealedRun(db: Kysely<Database>, tenant: string, options: { log?: boolean } = {}): Promise<string> {
  const run = await createPlannedRun(db, {
    tenantId: tenant,
    steps: [planStep(1, 'echo', { message: 'hello' }, { depends_on: [] })],
  });
  const deps = testDeps();
  const { run: done } = await executeRunAttempt(
    db,
    run.id,
    options.log === false ? { ...deps, afterSeal: undefined } : deps,
  );
  expect(done.status).toBe('succeeded');
  return run.id;
}

async function leafHashes(db: Kysely<Database>, tenant: string): Promise<string[]> {
  const rows = await db
    .selectFrom('tenant_log_leaves')
    .select(['log_index', 'leaf_hash'])
    .where('tenant_id', '=', tenant)
    .orderBy('log_index')
    .execute();
  rows.forEach((row, i) => expect(Number(row.log_index)).toBe(i));
  return rows.map((r) => r.leaf_hash);
}

function readTreeHashStored(db: Kysely<Database>, tenant: string, size: number): Promise<string> {
  return readTreeHash(storedTreeReader(db, tenant), size);
}

describeEachDriver('tenant log: sequencing', (t: TestDatabase) => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    db = await t.db();
  });

  it('puts every sealed run at the next dense index under a signed tenant checkpoint whose root is the stored tree', async () => {
    const tenant = `t-${randomUUID()}`;
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await sealedRun(db, tenant));
    const hashes = await leafHashes(db, tenant);
    expect(hashes).toHaveLength(5);
    const latest = await readLogCheckpoint(db, tenant);
    expect(latest?.tree_size).toBe(5);
    const note = verifyNote(latest?.checkpoint ?? '', [TEST_SIGNING_KEY.verifierKey]);
    expect(note.valid).toBe(true);
    const body = parseCheckpointBody(note.body);
    expect(body.origin).toBe(`test.aos.local/tenants/${tenant}`);
    expect(body.rootHash).toBe(merkleTreeHash(hashes));
    expect(await readTreeHashStored(db, tenant, 5)).toBe(body.rootHash);
    // One checkpoint per size, every size kept.
    const sizes = await db
      .selectFrom('tenant_log_checkpoints')
      .select('tree_size')
      .where('tenant_id', '=', tenant)
      .orderBy('tree_size')
      .execute();
    expect(sizes.map((s) => Number(s.tree_size))).toEqual([1, 2, 3, 4, 5]);
    // Each run's proof is VERIFIED with its place in the log.
    for (const [i, runId] of runs.entries()) {
      const proof = await getRunProof(db, tenant, runId, trusted);
      expect(proof.integrity.verification_status).toBe('VERIFIED');
      expect(proof.integrity.log_inclusion).toMatchObject({ log_index: i, tree_size: 5 });
    }
  });

  it('batches what is queued (at most maxBatch per checkpoint) and every checkpoint extends the one before', async () => {
    const tenant = `t-${randomUUID()}`;
    for (let i = 0; i < 7; i++) await sealedRun(db, tenant, { log: false });
    const first = await sequenceTenantLog(db, tenant, { ...sequencing, maxBatch: 3 });
    expect(first).toMatchObject({ fromSize: 0, treeSize: 3 });
    const rest = await drainTenantLog(db, tenant, sequencing);
    expect(rest.map((b) => [b.fromSize, b.treeSize])).toEqual([[3, 7]]);
    expect(await sequenceTenantLog(db, tenant, sequencing)).toBeNull();
    const hashes = await leafHashes(db, tenant);
    const proof = proofFromBase64(await readLogConsistency(db, tenant, 3, 7));
    expect(
      verifyConsistency({
        oldSize: 3,
        newSize: 7,
        oldRoot: merkleTreeHash(hashes.slice(0, 3)),
        newRoot: merkleTreeHash(hashes),
        proof,
      }),
    ).toBe(true);
    // Proofs read O(log n) stored nodes; the stored tree agrees with a recomputation at every size.
    for (let size = 1; size <= 7; size++)
      expect(await readTreeHashStored(db, tenant, size)).toBe(merkleTreeHash(hashes.slice(0, size)));
  });

  it('a receipt carries a consistency proof from the size the reader saved', async () => {
    const tenant = `t-${randomUUID()}`;
    const first = await sealedRun(db, tenant);
    await sealedRun(db, tenant);
    await sealedRun(db, tenant);
    const receipt = await readRunReceipt(db, tenant, `trace_${first}`, { sinceSize: 1 });
    expect(receipt?.leaf.log_index).toBe(0);
    expect(receipt?.consistency?.from_size).toBe(1);
    const saved = (await readLogCheckpoint(db, tenant, 1))?.checkpoint ?? '';
    const proof = await getRunProof(db, tenant, first, { ...trusted, logCheckpoint: saved });
    expect(proof.integrity.verification_status).toBe('VERIFIED');
    expect(proof.integrity.log_inclusion?.consistent_from).toBe(1);
  });

  it('a run sealed but not yet sequenced is UNSUPPORTED until the sequencer takes it', async () => {
    const tenant = `t-${randomUUID()}`;
    const runId = await sealedRun(db, tenant, { log: false });
    const waiting = await getRunProof(db, tenant, runId, trusted);
    expect(waiting.integrity.verification_status).toBe('UNSUPPORTED');
    expect(waiting.integrity.failure_reason).toMatch(/waiting for its tenant log/);
    await drainTenantLog(db, tenant, sequencing);
    expect((await getRunProof(db, tenant, runId, trusted)).integrity.verification_status).toBe('VERIFIED');
  });

  it('a failure to sequence never fails the sealed run: it is reported and the seal stays queued', async () => {
    const tenant = `t-${randomUUID()}`;
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [planStep(1, 'echo', { message: 'x' }, { depends_on: [] })],
    });
    const deps = testDeps();
    const { run: done } = await executeRunAttempt(db, run.id, {
      ...deps,
      afterSeal: () => Promise.reject(new Error('the log is unreachable')),
    });
    expect(done.status).toBe('succeeded');
    expect(deps.events).toContainEqual({ type: 'log_deferred', runId: run.id, reason: 'the log is unreachable' });
    const queued = await db.selectFrom('tenant_log_queue').select('trace_id').where('tenant_id', '=', tenant).execute();
    expect(queued.map((q) => q.trace_id)).toEqual([`trace_${run.id}`]);
  });

  it('re-verifies before it signs: a trace edited after its seal gets no leaf, an alert, and its proof FAILS', async () => {
    const tenant = `t-${randomUUID()}`;
    const runId = await sealedRun(db, tenant, { log: false });
    await t.tamper((trx) =>
      sql`UPDATE aos_trace_steps SET outcome_data = '{"message":"forged"}' WHERE run_id = ${runId}`.execute(trx),
    );
    const batch = await sequenceTenantLog(db, tenant, sequencing);
    expect(batch?.treeSize).toBe(0);
    expect(batch?.refused.map((r) => r.traceId)).toEqual([`trace_${runId}`]);
    expect(await leafHashes(db, tenant)).toEqual([]);
    const alerts = await db.selectFrom('budget_alerts').select('message').where('run_id', '=', runId).execute();
    expect(alerts.map((a) => a.message).join('\n')).toMatch(
      /tenant log: trace .* was not logged: it no longer verifies/,
    );
    const proof = await getRunProof(db, tenant, runId, trusted);
    expect(proof.integrity.verification_status).toBe('FAILED');
  });

  it('the log is append-only: no update, delete or truncate of a leaf, node, checkpoint or cosignature, no gap', async () => {
    const tenant = `t-${randomUUID()}`;
    const a = await sealedRun(db, tenant);
    await sealedRun(db, tenant);
    await sealedRun(db, tenant);
    const cases = [
      sql`UPDATE tenant_log_leaves SET leaf_hash = repeat('0', 64) WHERE tenant_id = ${tenant}`,
      sql`DELETE FROM tenant_log_leaves WHERE tenant_id = ${tenant}`,
      sql`UPDATE tenant_log_nodes SET hash = repeat('0', 64) WHERE tenant_id = ${tenant}`,
      sql`DELETE FROM tenant_log_checkpoints WHERE tenant_id = ${tenant}`,
      sql`TRUNCATE tenant_log_leaves CASCADE`,
    ];
    for (const statement of cases) expect(await refusal(() => statement.execute(db))).toMatch(/is append-only/);
    const leaf = await db
      .selectFrom('tenant_log_leaves')
      .selectAll()
      .where('trace_id', '=', `trace_${a}`)
      .executeTakeFirstOrThrow();
    const gap = sql`INSERT INTO tenant_log_leaves (tenant_id, log_index, run_id, trace_id, leaf, leaf_hash)
      VALUES (${tenant}, 7, ${a}, ${'trace_x'}, ${JSON.stringify(leaf.leaf)}::jsonb, ${leaf.leaf_hash})`;
    expect(await refusal(() => gap.execute(db))).toMatch(/leaves a gap/);
    const short = sql`INSERT INTO tenant_log_checkpoints (tenant_id, tree_size, root_hash, checkpoint)
      VALUES (${tenant}, 2, repeat('a', 64), 'x')`;
    expect(await refusal(() => short.execute(db))).toMatch(/is not the size of the log/);
  });

  it("a tenant's handle sees only its own log", async () => {
    const a = `t-${randomUUID()}`;
    const b = `t-${randomUUID()}`;
    await sealedRun(db, a);
    await sealedRun(db, b);
    const asA = await t.tenantDb(a);
    const visible = await asA.selectFrom('tenant_log_leaves').select('tenant_id').execute();
    expect(new Set(visible.map((v) => v.tenant_id))).toEqual(new Set([a]));
    expect(await readLogCheckpoint(asA, b)).toBeNull();
    await expect(readTreeHash(storedTreeReader(asA, b), 1)).rejects.toThrow(/has no stored node/);
  });
});
