import { randomUUID } from 'node:crypto';
import { sealRunTrace, toStepEnvelope } from '@aos/proof';
import { getRunProof, readLogCheckpoint } from '@aos/proof/postgres';
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { drainTenantLog, executeRunAttempt, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

// The operator holds the signing key (SPEC §13): it can rewrite a sealed run and re-sign it, or
// delete a run, and then rebuild and re-sign the whole tenant log. A reader who kept no
// checkpoint cannot tell; a reader holding an earlier checkpoint (a customer, a witness) must.

const trusted = { trustedKeys: [TEST_SIGNING_KEY.verifierKey] };
const sequencing = { signingKey: TEST_SIGNING_KEY, trustedKeys: [TEST_SIGNING_KEY.verifierKey] };

async function sealedRun(db: Kysely<Database>, tenant: string, message: string): Promise<string> {
  const run = await createPlannedRun(db, {
    tenantId: tenant,
    steps: [planStep(1, 'echo', { message }, { depends_on: [] })],
  });
  await executeRunAttempt(db, run.id, testDeps());
  return run.id;
}

/** The operator's rebuild: the tenant's log thrown away and re-sequenced from `order` (trace seal times rewritten to fix the order). */
async function rebuildLog(
  t: TestDatabase,
  db: Kysely<Database>,
  tenant: string,
  order: readonly string[],
): Promise<void> {
  await t.tamper(async (trx) => {
    for (const table of [
      'tenant_log_cosignatures',
      'tenant_log_checkpoints',
      'tenant_log_nodes',
      'tenant_log_leaves',
    ] as const) {
      await sql`DELETE FROM ${sql.table(table)} WHERE tenant_id = ${tenant}`.execute(trx);
    }
    for (const [i, runId] of order.entries()) {
      await sql`INSERT INTO tenant_log_queue (trace_id, tenant_id, sealed_at)
        VALUES (${`trace_${runId}`}, ${tenant}, ${new Date(Date.UTC(2030, 0, 1, 0, 0, i))})`.execute(trx);
    }
  });
  await drainTenantLog(db, tenant, sequencing);
}

/** Rewrites a sealed run's outcome (status and error) and re-signs its trace with the deployment key. */
async function rewriteAndResign(t: TestDatabase, runId: string): Promise<void> {
  await t.tamper(async (trx) => {
    const run = await trx
      .updateTable('runs')
      .set({ status: 'failed', error_message: 'rewritten by the operator' })
      .where('id', '=', runId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const trace = await trx.selectFrom('aos_traces').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
    const rows = await trx
      .selectFrom('aos_trace_steps')
      .selectAll()
      .where('trace_id', '=', trace.trace_id)
      .orderBy('step_index')
      .execute();
    const steps = rows.map((r) => ({
      envelope: toStepEnvelope(r),
      leaf_hash: r.leaf_hash,
      prev_hash: r.prev_hash,
      step_hash: r.step_hash,
    }));
    const sealed = sealRunTrace({ signingKey: TEST_SIGNING_KEY, run, plan: trace.plan, trace, steps });
    if (!sealed.ok) throw new Error(`re-seal refused: ${sealed.failure.reason}`);
    const seal = sealed.seal;
    await trx
      .updateTable('aos_traces')
      .set({
        merkle_root: seal.merkle_root,
        checkpoint: seal.checkpoint,
        outcome_envelope: JSON.stringify(seal.outcome_envelope),
        outcome_hash: seal.outcome_hash,
      })
      .where('trace_id', '=', trace.trace_id)
      .execute();
  });
}

describeEachDriver('tenant log: attacks by the operator, who holds the key', (t: TestDatabase) => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    db = await t.db();
  });

  async function threeRunsAndASavedCheckpoint() {
    const tenant = `t-${randomUUID()}`;
    const runs = [
      await sealedRun(db, tenant, 'one'),
      await sealedRun(db, tenant, 'two'),
      await sealedRun(db, tenant, 'three'),
    ];
    const saved = (await readLogCheckpoint(db, tenant))!.checkpoint; // what a customer kept
    await sealedRun(db, tenant, 'four');
    return { tenant, runs, saved };
  }

  it('rewrite a sealed run and re-sign it: its old leaf gives it away; rebuild the log too and the saved checkpoint does', async () => {
    const { tenant, runs, saved } = await threeRunsAndASavedCheckpoint();
    const target = runs[1]!;
    await rewriteAndResign(t, target);
    const caught = await getRunProof(db, tenant, target, trusted);
    expect(caught.integrity.verification_status).toBe('FAILED');
    // The re-signed outcome changed the run's Merkle root, the first fact its leaf disagrees on.
    expect(caught.integrity.failure_reason).toBe('receipt: leaf merkle_root does not match the run it is attached to');

    const order = [
      ...runs,
      ...(await db.selectFrom('runs').select('id').where('tenant_id', '=', tenant).execute())
        .map((r) => r.id)
        .filter((id) => !runs.includes(id)),
    ];
    await rebuildLog(t, db, tenant, order);
    // Without a saved checkpoint the forgery is complete: everything re-signed agrees.
    expect((await getRunProof(db, tenant, target, trusted)).integrity.verification_status).toBe('VERIFIED');
    // A reader who kept a checkpoint is not fooled, on that run or any other.
    for (const runId of order) {
      const proof = await getRunProof(db, tenant, runId, { ...trusted, logCheckpoint: saved });
      expect(proof.integrity.verification_status).toBe('FAILED');
      expect(proof.integrity.failure_reason).toMatch(/^log consistency: .*rewritten/);
    }
  });

  it('delete a run and rebuild the log without it: a reader holding a checkpoint detects it', async () => {
    const { tenant, runs, saved } = await threeRunsAndASavedCheckpoint();
    const all = (
      await db
        .selectFrom('runs')
        .select(['id', 'created_at'])
        .where('tenant_id', '=', tenant)
        .orderBy('created_at')
        .execute()
    ).map((r) => r.id);
    const gone = runs[0]!;
    await t.tamper(async (trx) => {
      for (const table of ['cost_events', 'aos_trace_steps', 'tenant_log_queue', 'tenant_log_leaves'] as const) {
        await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(table === 'tenant_log_queue' || table === 'tenant_log_leaves' ? 'trace_id' : 'run_id')} = ${table === 'tenant_log_queue' || table === 'tenant_log_leaves' ? `trace_${gone}` : gone}`.execute(
          trx,
        );
      }
      await sql`DELETE FROM aos_traces WHERE run_id = ${gone}`.execute(trx);
      await sql`DELETE FROM runs WHERE id = ${gone}`.execute(trx);
    });
    const rest = all.filter((id) => id !== gone);
    await rebuildLog(t, db, tenant, rest);
    expect((await getRunProof(db, tenant, rest[0]!, trusted)).integrity.verification_status).toBe('VERIFIED');
    const proof = await getRunProof(db, tenant, rest[0]!, { ...trusted, logCheckpoint: saved });
    expect(proof.integrity.verification_status).toBe('FAILED');
    expect(proof.integrity.failure_reason).toMatch(/^log consistency: /);
  });

  it('reorder two runs in a rebuilt log: a reader holding a checkpoint detects it', async () => {
    const { tenant, runs, saved } = await threeRunsAndASavedCheckpoint();
    const fourth = (await db.selectFrom('runs').select('id').where('tenant_id', '=', tenant).execute())
      .map((r) => r.id)
      .filter((id) => !runs.includes(id));
    await rebuildLog(t, db, tenant, [runs[1]!, runs[0]!, runs[2]!, ...fourth]);
    const proof = await getRunProof(db, tenant, runs[2]!, { ...trusted, logCheckpoint: saved });
    expect(proof.integrity.verification_status).toBe('FAILED');
    expect(proof.integrity.failure_reason).toMatch(/^log consistency: /);
    // An honest log that only grew still verifies against the same saved checkpoint elsewhere.
    const honest = `t-${randomUUID()}`;
    await sealedRun(db, honest, 'a');
    const kept = (await readLogCheckpoint(db, honest))!.checkpoint;
    const later = await sealedRun(db, honest, 'b');
    expect(
      (await getRunProof(db, honest, later, { ...trusted, logCheckpoint: kept })).integrity.verification_status,
    ).toBe('VERIFIED');
  });
});
