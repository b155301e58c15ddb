import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import {
  generateSigningKey,
  merkleTreeHash,
  signCheckpoint,
  checkpointOrigin,
  verifyProofBundle,
  verifyStepInclusionProof,
} from '@aos/proof';
import { exportProofBundle, exportStepInclusionProof, getRunProof } from '@aos/proof/postgres';
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { executeRunAttempt, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

const trusted = { trustedKeys: [TEST_SIGNING_KEY.verifierKey] };

async function sealedRun(db: Kysely<Database>, tenant: string, steps = 4): Promise<string> {
  const run = await createPlannedRun(db, {
    tenantId: tenant,
    steps: Array.from({ length: steps }, (_, i) =>
      planStep(i + 1, 'echo', { message: `step ${i + 1} ✓ ünïcode` }, { depends_on: [] }),
    ),
  });
  const { run: done } = await executeRunAttempt(db, run.id, testDeps());
  expect(done.status).toBe('succeeded');
  return run.id;
}

function proofOf(db: Kysely<Database>, tenant: string, runId: string) {
  return getRunProof(db, tenant, runId, trusted);
}

describeEachDriver('proof coordinator: tamper detection', (t: TestDatabase) => {
  let db: Kysely<Database>;
  const tenant = `tenant-${randomUUID()}`;
  beforeAll(async () => {
    db = await t.db();
  });

  it('an untouched trace is VERIFIED with a valid signature and every step listed', async () => {
    const runId = await sealedRun(db, tenant);
    const proof = await proofOf(db, tenant, runId);
    expect(proof.integrity).toMatchObject({
      model: 'HASH_CHAIN',
      verification_status: 'VERIFIED',
      failure_reason: null,
      first_divergent_step: null,
      signature_valid: true,
      chain_length: 4,
    });
    expect(proof.integrity.root_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(proof.aos_traces).toHaveLength(1);
    expect(proof.aos_trace_steps.map((s) => s.step_index)).toEqual([0, 1, 2, 3]);
  });

  const stepEdits: [string, (trx: Kysely<Database>, traceId: string) => Promise<unknown>, number][] = [
    [
      'one character of params',
      (trx, id) =>
        sql`UPDATE aos_trace_steps SET params = jsonb_set(params, '{message}', '"step 2 ✓ ünïcodE"') WHERE trace_id = ${id} AND step_index = 1`.execute(
          trx,
        ),
      1,
    ],
    [
      'outcome_data',
      (trx, id) =>
        sql`UPDATE aos_trace_steps SET outcome_data = '{"message":"forged"}' WHERE trace_id = ${id} AND step_index = 2`.execute(
          trx,
        ),
      2,
    ],
    [
      'cost',
      (trx, id) =>
        sql`UPDATE aos_trace_steps SET cost_cents = 0.5 WHERE trace_id = ${id} AND step_index = 0`.execute(trx),
      0,
    ],
    [
      'status',
      (trx, id) =>
        sql`UPDATE aos_trace_steps SET status = 'failure' WHERE trace_id = ${id} AND step_index = 3`.execute(trx),
      3,
    ],
  ];
  for (const [what, edit, index] of stepEdits) {
    it(`a changed ${what} is FAILED naming step ${index}`, async () => {
      const runId = await sealedRun(db, tenant);
      await t.tamper((trx) => edit(trx, `trace_${runId}`));
      const { integrity } = await proofOf(db, tenant, runId);
      expect(integrity.verification_status).toBe('FAILED');
      expect(integrity.first_divergent_step).toBe(index);
      expect(integrity.failure_reason).toBe(`step ${index}: leaf_hash does not match its contents`);
    });
  }

  it('a deleted step is FAILED', async () => {
    const runId = await sealedRun(db, tenant);
    await t.tamper((trx) =>
      sql`DELETE FROM aos_trace_steps WHERE trace_id = ${`trace_${runId}`} AND step_index = 1`.execute(trx),
    );
    const { integrity } = await proofOf(db, tenant, runId);
    expect(integrity.verification_status).toBe('FAILED');
    expect(integrity.first_divergent_step).toBe(1);
    expect(integrity.failure_reason).toBe('step 1: envelope.step_index is 2, expected 1');
  });

  it('two swapped steps are FAILED', async () => {
    const runId = await sealedRun(db, tenant);
    const id = `trace_${runId}`;
    await t.tamper(async (trx) => {
      await sql`UPDATE aos_trace_steps SET step_index = 100 WHERE trace_id = ${id} AND step_index = 1`.execute(trx);
      await sql`UPDATE aos_trace_steps SET step_index = 1 WHERE trace_id = ${id} AND step_index = 2`.execute(trx);
      await sql`UPDATE aos_trace_steps SET step_index = 2 WHERE trace_id = ${id} AND step_index = 100`.execute(trx);
    });
    const { integrity } = await proofOf(db, tenant, runId);
    expect(integrity.verification_status).toBe('FAILED');
    expect(integrity.first_divergent_step).toBe(1);
    expect(integrity.failure_reason).toBe('step 1: leaf_hash does not match its contents');
  });

  it('a step appended after sealing is FAILED', async () => {
    const runId = await sealedRun(db, tenant);
    const id = `trace_${runId}`;
    await t.tamper((trx) =>
      sql`INSERT INTO aos_trace_steps SELECT trace_id, 4, run_id, tenant_id, attempt, 's5', skill_id, skill_name, skill_version, params, status,
            outcome_category, outcome_code, outcome_data, error, cost_cents, duration_ms, retry_count, replay_behavior, started_at, completed_at,
            leaf_hash, step_hash, step_hash FROM aos_trace_steps WHERE trace_id = ${id} AND step_index = 3`.execute(
        trx,
      ),
    );
    const { integrity } = await proofOf(db, tenant, runId);
    expect(integrity.verification_status).toBe('FAILED');
    expect(integrity.first_divergent_step).toBe(4);
    expect(integrity.failure_reason).toBe('step 4: plan_step_id "s5" is not a step of the plan');
  });

  it('a trace moved to another tenant is FAILED', async () => {
    const runId = await sealedRun(db, tenant);
    await t.tamper((trx) => sql`UPDATE aos_traces SET tenant_id = 'someone-else' WHERE run_id = ${runId}`.execute(trx));
    const { integrity } = await proofOf(db, tenant, runId);
    expect(integrity.verification_status).toBe('FAILED');
    expect(integrity.failure_reason).toBe('trace.tenant_id does not match the run');
  });

  it('a merkle_root replaced with a consistent-looking one is FAILED', async () => {
    const runId = await sealedRun(db, tenant);
    const leaves = await db
      .selectFrom('aos_trace_steps')
      .select('leaf_hash')
      .where('run_id', '=', runId)
      .orderBy('step_index', 'desc')
      .execute();
    const lookalike = merkleTreeHash(leaves.map((l) => l.leaf_hash));
    await t.tamper((trx) => sql`UPDATE aos_traces SET merkle_root = ${lookalike} WHERE run_id = ${runId}`.execute(trx));
    const { integrity } = await proofOf(db, tenant, runId);
    expect(integrity.verification_status).toBe('FAILED');
    expect(integrity.failure_reason).toBe(
      'merkle_root does not match the leaf hashes of the header, the steps and the outcome',
    );
  });

  it('a checkpoint signed by another key is FAILED with signature_valid false', async () => {
    const runId = await sealedRun(db, tenant);
    const trace = await db.selectFrom('aos_traces').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
    const impostor = generateSigningKey(TEST_SIGNING_KEY.name);
    const forged = signCheckpoint(
      { origin: checkpointOrigin(impostor.name, tenant, runId), treeSize: 4, rootHash: trace.merkle_root! },
      impostor,
    );
    await t.tamper((trx) => sql`UPDATE aos_traces SET checkpoint = ${forged} WHERE run_id = ${runId}`.execute(trx));
    const { integrity } = await proofOf(db, tenant, runId);
    expect(integrity.verification_status).toBe('FAILED');
    expect(integrity.signature_valid).toBe(false);
    expect(integrity.failure_reason).toMatch(/^checkpoint: /);
  });

  it('a trace still running is UNSUPPORTED, never VERIFIED', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      maxAttempts: 3,
      steps: [planStep(1, '__sdsr_fail_trigger__', { error_class: 'retryable' })],
    });
    const { run: retrying } = await executeRunAttempt(db, run.id, testDeps());
    expect(retrying.status).toBe('retry');
    const { integrity } = await proofOf(db, tenant, run.id);
    expect(integrity.verification_status).toBe('UNSUPPORTED');
    expect(integrity.failure_reason).toMatch(/is not sealed/);
  });

  it("a missing run and another tenant's run give the same UNSUPPORTED answer", async () => {
    const runId = await sealedRun(db, tenant);
    const missing = randomUUID();
    const foreign = await proofOf(db, 'another-tenant', runId);
    const absent = await proofOf(db, 'another-tenant', missing);
    expect(foreign.integrity).toEqual(absent.integrity);
    expect(foreign.integrity).toMatchObject({
      verification_status: 'UNSUPPORTED',
      failure_reason: 'No trace found for run',
    });
    expect(foreign.aos_traces).toEqual([]);
    expect(foreign.aos_trace_steps).toEqual([]);
    await expect(exportProofBundle(db, 'another-tenant', runId)).rejects.toThrow(/No trace found for run/);
  });

  it('an exported bundle and a one-step inclusion proof verify offline; an edited bundle does not', async () => {
    const runId = await sealedRun(db, tenant);
    const bundle = JSON.parse(JSON.stringify(await exportProofBundle(db, tenant, runId)));
    expect(verifyProofBundle(bundle, trusted).verification_status).toBe('VERIFIED');
    bundle.steps[2].envelope.outcome_data.message += '!';
    const edited = verifyProofBundle(bundle, trusted);
    expect(edited.verification_status).toBe('FAILED');
    expect(edited.first_divergent_step).toBe(2);
    const stepProof = JSON.parse(JSON.stringify(await exportStepInclusionProof(db, tenant, runId, 3)));
    expect(verifyStepInclusionProof(stepProof, trusted).verification_status).toBe('VERIFIED');
    await expect(exportStepInclusionProof(db, tenant, runId, 9)).rejects.toThrow(/step 9 does not exist/);
  });

  it('write-then-verify: random step contents always VERIFIED (values as the database returns them)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue({ maxDepth: 3 }),
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        async (payload, text) => {
          const run = await createPlannedRun(db, {
            tenantId: tenant,
            steps: [
              planStep(1, 'json_transform', { payload: { value: payload, text }, mapping: { v: 'value', t: 'text' } }),
              planStep(2, 'echo', { message: text.length > 0 ? text : 'empty' }),
            ],
          });
          const { run: done } = await executeRunAttempt(db, run.id, testDeps());
          expect(done.status, done.error_message ?? '').toBe('succeeded');
          const { integrity } = await proofOf(db, tenant, run.id);
          expect(integrity.failure_reason).toBeNull();
          expect(integrity.verification_status).toBe('VERIFIED');
        },
      ),
      { numRuns: 25 },
    );
  });
});
