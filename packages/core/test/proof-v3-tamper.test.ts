import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  computeEnvelopeHash,
  computeGenesisHash,
  computePlanHash,
  extendChain,
  merkleTreeHash,
  toRunHeader,
  toRunOutcome,
  toStepEnvelope,
} from '@aos/proof';
import { verifyProofBundleFile } from '@aos/proof/node';
import { auditSealedTraces, auditTraceCoverage, exportProofBundleToFile, getRunProof } from '@aos/proof/postgres';
import { sql, type Kysely, type Transaction } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { createAgent, executeRunAttempt, recoverStaleRuns, type Database } from '@aos/core/testing';
import { computeStepMac, stepKeyOf } from '../src/runner/step-auth';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

const trustedKeys = [TEST_SIGNING_KEY.verifierKey];

/** What the three verifiers say about a run: the coordinator, the audit and the offline file verifier. */
interface Verdicts {
  coordinator: { status: string; reason: string | null; step: number | null };
  audit: { failed: boolean; reason: string | null };
  bundle: { status: string; reason: string | null; step: number | null };
}

async function verdicts(db: Kysely<Database>, tenant: string, runId: string, dir: string): Promise<Verdicts> {
  const proof = await getRunProof(db, tenant, runId, { trustedKeys });
  // What `int-cli audit` runs: every sealed trace verified, and coverage (unsealed, orphans, missing traces).
  const audit = await auditSealedTraces(db, { trustedKeys, tenantId: tenant });
  const coverage = await auditTraceCoverage(db, { tenantId: tenant, staleAfterMs: 15 * 60_000 });
  const failed = audit.failed.find((f) => f.run_id === runId);
  const covered = coverage.findings.find((f) => f.run_id === runId);
  const finding = failed ?? (covered ? { failure_reason: covered.message } : undefined);
  const file = join(dir, `${runId}-${Date.now()}-${Math.random()}.json`);
  await exportProofBundleToFile(db, tenant, runId, file);
  const bundle = await verifyProofBundleFile(file, { trustedKeys });
  return {
    coordinator: {
      status: proof.integrity.verification_status,
      reason: proof.integrity.failure_reason,
      step: proof.integrity.first_divergent_step,
    },
    audit: { failed: finding !== undefined, reason: finding?.failure_reason ?? null },
    bundle: { status: bundle.verification_status, reason: bundle.failure_reason, step: bundle.first_divergent_step },
  };
}

/** Every verifier reports FAILED, naming `reason` (and the step, when one is at fault). */
function expectAllFailed(v: Verdicts, reason: RegExp, step: number | null = null): void {
  expect(v.coordinator.status).toBe('FAILED');
  expect(v.coordinator.reason).toMatch(reason);
  expect(v.coordinator.step).toBe(step);
  expect(v.bundle.status).toBe('FAILED');
  expect(v.bundle.reason).toMatch(reason);
  expect(v.bundle.step).toBe(step);
  expect(v.audit.failed).toBe(true);
  expect(v.audit.reason).toMatch(reason);
}

async function sealedRun(db: Kysely<Database>, tenant: string, messages = ['one', 'two', 'three']): Promise<string> {
  const run = await createPlannedRun(db, {
    tenantId: tenant,
    steps: messages.map((message, i) => planStep(i + 1, 'echo', { message }, { depends_on: [] })),
  });
  const { run: done } = await executeRunAttempt(db, run.id, testDeps());
  expect(done.status).toBe('succeeded');
  return run.id;
}

/**
 * A forger with write access but no key: rewrites the stored plan and recomputes every hash
 * that follows from it (plan_hash, genesis, every step's chain, header, outcome, Merkle root).
 * Only the checkpoint cannot be redone.
 */
async function forgePlan(trx: Transaction<Database>, runId: string, change: (plan: Record<string, unknown>) => void) {
  const run = await trx.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
  const trace = await trx.selectFrom('aos_traces').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
  const steps = await trx
    .selectFrom('aos_trace_steps')
    .selectAll()
    .where('trace_id', '=', trace.trace_id)
    .orderBy('step_index')
    .execute();
  const plan = structuredClone(trace.plan) as Record<string, unknown>;
  change(plan);
  const planHash = computePlanHash(plan);
  const genesis = computeGenesisHash({
    plan_hash: planHash,
    run_id: runId,
    tenant_id: run.tenant_id,
    trace_id: trace.trace_id,
  });
  let head = genesis;
  const leaves: string[] = [];
  for (const row of steps) {
    const link = extendChain(head, toStepEnvelope(row));
    head = link.step_hash;
    leaves.push(link.leaf_hash);
    await trx
      .updateTable('aos_trace_steps')
      .set(link)
      .where('trace_id', '=', trace.trace_id)
      .where('step_index', '=', row.step_index)
      .execute();
  }
  const traceFacts = { ...trace, plan_hash: planHash, genesis_hash: genesis };
  const header = toRunHeader(run, traceFacts);
  const total = steps.reduce((sum, s) => sum + s.cost_cents, 0);
  const outcome = toRunOutcome(run, traceFacts, {
    chain_length: steps.length,
    root_hash: head,
    total_cost_cents: total,
  });
  const headerHash = computeEnvelopeHash(header);
  const outcomeHash = computeEnvelopeHash(outcome);
  await trx
    .updateTable('runs')
    .set({ plan_json: JSON.stringify(plan), plan_hash: planHash })
    .where('id', '=', runId)
    .execute();
  await trx
    .updateTable('aos_traces')
    .set({
      plan: JSON.stringify(plan),
      plan_hash: planHash,
      genesis_hash: genesis,
      root_hash: head,
      header_envelope: JSON.stringify(header),
      header_hash: headerHash,
      outcome_envelope: JSON.stringify(outcome),
      outcome_hash: outcomeHash,
      merkle_root: merkleTreeHash([headerHash, ...leaves, outcomeHash]),
    })
    .where('run_id', '=', runId)
    .execute();
}

type Tamper = (
  trx: Transaction<Database>,
  ids: { runId: string; traceId: string; otherAgent: string },
) => Promise<unknown>;

// Each case edits what a reader relies on; all three verifiers must report FAILED naming it.
const CASES: [string, Tamper, RegExp, number | null][] = [
  [
    'the goal',
    (trx, { runId }) => sql`UPDATE runs SET goal = 'echo forged' WHERE id = ${runId}`.execute(trx),
    /^plan\.goal does not match the run's goal$/,
    null,
  ],
  [
    'the goal and the plan together (plan_hash left alone)',
    (trx, { runId }) =>
      sql`UPDATE runs SET goal = 'forged' WHERE id = ${runId};`
        .execute(trx)
        .then(() =>
          sql`UPDATE aos_traces SET plan = jsonb_set(plan, '{goal}', '"forged"') WHERE run_id = ${runId}`.execute(trx),
        ),
    /^plan_hash does not match the plan$/,
    null,
  ],
  [
    'the plan, with every hash recomputed and no key',
    (trx, { runId }) =>
      forgePlan(trx, runId, (plan) => {
        (plan.steps as { description: string }[])[0]!.description = 'forged';
      }),
    /^checkpoint: root hash does not match merkle_root$/,
    null,
  ],
  [
    'the run status',
    (trx, { runId }) => sql`UPDATE runs SET status = 'failed' WHERE id = ${runId}`.execute(trx),
    /^run_outcome\.run_status does not match the run$/,
    null,
  ],
  [
    'the error message',
    (trx, { runId }) => sql`UPDATE runs SET error_message = 'all fine' WHERE id = ${runId}`.execute(trx),
    /^run_outcome\.error_message does not match the run$/,
    null,
  ],
  [
    'the attempts',
    (trx, { runId }) => sql`UPDATE runs SET attempts = 2 WHERE id = ${runId}`.execute(trx),
    /^run_outcome\.attempts does not match the run$/,
    null,
  ],
  [
    'the trace status',
    (trx, { runId }) => sql`UPDATE aos_traces SET status = 'failed' WHERE run_id = ${runId}`.execute(trx),
    /^run_outcome\.trace_status does not match the trace$/,
    null,
  ],
  [
    'the agent',
    (trx, { runId, otherAgent }) => sql`UPDATE runs SET agent_id = ${otherAgent} WHERE id = ${runId}`.execute(trx),
    /^run_header\.agent_id does not match the run$/,
    null,
  ],
  [
    'the origin',
    (trx, { runId }) => sql`UPDATE runs SET origin_system_id = 'elsewhere' WHERE id = ${runId}`.execute(trx),
    /^run_header\.origin_system_id does not match the run$/,
    null,
  ],
  [
    'the idempotency key',
    (trx, { runId }) => sql`UPDATE runs SET idempotency_key = 'k' WHERE id = ${runId}`.execute(trx),
    /^run_header\.idempotency_key does not match the run$/,
    null,
  ],
  [
    'the creation time',
    (trx, { runId }) =>
      sql`UPDATE runs SET created_at = created_at - interval '1 second' WHERE id = ${runId}`.execute(trx),
    /^run_header\.created_at does not match the run$/,
    null,
  ],
  [
    'the completion time of the run',
    (trx, { runId }) =>
      sql`UPDATE runs SET completed_at = completed_at + interval '1 ms' WHERE id = ${runId}`.execute(trx),
    /^run\.completed_at does not match the signed completion time/,
    null,
  ],
  [
    'the completion time of the trace',
    (trx, { runId }) =>
      sql`UPDATE aos_traces SET completed_at = completed_at + interval '1 ms' WHERE run_id = ${runId}`.execute(trx),
    /^run_outcome\.completed_at does not match the trace$/,
    null,
  ],
  [
    'a step timestamp by a sub-millisecond amount',
    (trx, { traceId }) =>
      sql`UPDATE aos_trace_steps SET started_at = started_at + interval '600 microseconds' WHERE trace_id = ${traceId} AND step_index = 1`.execute(
        trx,
      ),
    /^step 1: leaf_hash does not match its contents$/,
    1,
  ],
  [
    'the stored header leaf',
    (trx, { runId }) =>
      sql`UPDATE aos_traces SET header_envelope = jsonb_set(header_envelope, '{goal}', '"x"') WHERE run_id = ${runId}`.execute(
        trx,
      ),
    /^run_header\.goal does not match the run$/,
    null,
  ],
  [
    'the stored outcome leaf',
    (trx, { runId }) =>
      sql`UPDATE aos_traces SET outcome_envelope = jsonb_set(outcome_envelope, '{run_status}', '"failed"') WHERE run_id = ${runId}`.execute(
        trx,
      ),
    /^run_outcome\.run_status does not match the run$/,
    null,
  ],
  [
    'a step moved to a plan step it does not execute',
    (trx, { traceId }) =>
      sql`UPDATE aos_trace_steps SET plan_step_id = 's9' WHERE trace_id = ${traceId} AND step_index = 2`.execute(trx),
    /^step 2: plan_step_id "s9" is not a step of the plan$/,
    2,
  ],
  [
    'a step claiming another skill',
    (trx, { traceId }) =>
      sql`UPDATE aos_trace_steps SET skill_name = 'http_call' WHERE trace_id = ${traceId} AND step_index = 0`.execute(
        trx,
      ),
    /^step 0: skill_name "http_call" is not the plan's skill "echo" for s1$/,
    0,
  ],
  [
    'two steps swapped into the wrong plan order',
    (trx, { traceId }) =>
      sql`UPDATE aos_trace_steps SET step_index = 100 WHERE trace_id = ${traceId} AND step_index = 0`
        .execute(trx)
        .then(() =>
          sql`UPDATE aos_trace_steps SET step_index = 0 WHERE trace_id = ${traceId} AND step_index = 1`.execute(trx),
        )
        .then(() =>
          sql`UPDATE aos_trace_steps SET step_index = 1 WHERE trace_id = ${traceId} AND step_index = 100`.execute(trx),
        ),
    /^step 0: /,
    0,
  ],
];

// Every stored step column, edited one at a time: each names its step.
const STEP_COLUMNS: [string, string][] = [
  ['attempt', 'attempt = attempt + 1'],
  ['lease_epoch', 'lease_epoch = lease_epoch + 1'],
  ['skill_id', "skill_id = skill_id || 'x'"],
  ['skill_version', "skill_version = '9.9.9'"],
  ['params', `params = '{"message":"forged"}'`],
  ['status', "status = 'failure'"],
  ['outcome_category', "outcome_category = 'x'"],
  ['outcome_code', "outcome_code = 'X'"],
  ['outcome_data', `outcome_data = '{"message":"forged"}'`],
  ['error', "error = 'x'"],
  ['cost_cents', 'cost_cents = cost_cents + 0.5'],
  ['duration_ms', 'duration_ms = duration_ms + 1'],
  ['retry_count', 'retry_count = retry_count + 1'],
  ['replay_behavior', "replay_behavior = 'skip'"],
  ['started_at', "started_at = started_at + interval '1 ms'"],
  ['completed_at', "completed_at = completed_at + interval '1 ms'"],
  ['leaf_hash', "leaf_hash = repeat('0', 64)"],
];

describeEachDriver(
  'proof v3: every edit of what a reader relies on is FAILED by all three verifiers',
  (t: TestDatabase) => {
    let db: Kysely<Database>;
    let dir: string;
    const tenant = 'tamper-tenant';
    let otherAgent: string;
    beforeAll(async () => {
      db = await t.db();
      dir = mkdtempSync(join(tmpdir(), 'aos-tamper-'));
      otherAgent = (await createAgent(db, { name: 'other', tenantId: tenant })).id;
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('an untouched run is VERIFIED by all three, with timestamps stored at millisecond precision', async () => {
      const runId = await sealedRun(db, tenant);
      const v = await verdicts(db, tenant, runId, dir);
      expect(v.coordinator).toEqual({ status: 'VERIFIED', reason: null, step: null });
      expect(v.bundle).toEqual({ status: 'VERIFIED', reason: null, step: null });
      expect(v.audit.failed).toBe(false);
      const micro = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM aos_trace_steps
      WHERE run_id = ${runId} AND (extract(microseconds FROM started_at)::int % 1000 <> 0)`.execute(db);
      expect(micro.rows[0]?.n).toBe(0);
    });

    it.each(CASES)('an edit of %s', async (_name, tamper, reason, step) => {
      const runId = await sealedRun(db, tenant);
      await t.tamper((trx) => tamper(trx, { runId, traceId: `trace_${runId}`, otherAgent }));
      expectAllFailed(await verdicts(db, tenant, runId, dir), reason, step);
    });

    it.each(STEP_COLUMNS)('an edit of step column %s names the step', async (_column, assignment) => {
      const runId = await sealedRun(db, tenant);
      await t.tamper((trx) =>
        sql
          .raw(`UPDATE aos_trace_steps SET ${assignment} WHERE trace_id = 'trace_${runId}' AND step_index = 1`)
          .execute(trx),
      );
      expectAllFailed(await verdicts(db, tenant, runId, dir), /^step 1: /, 1);
    });

    it('a removed seal is FAILED, and the database refuses to seal the trace again', async () => {
      const runId = await sealedRun(db, tenant);
      const before = await db
        .selectFrom('aos_traces')
        .selectAll()
        .where('run_id', '=', runId)
        .executeTakeFirstOrThrow();
      await t.tamper((trx) =>
        sql`UPDATE aos_traces SET root_hash = NULL, merkle_root = NULL, chain_length = NULL, checkpoint = NULL, sealed_at = NULL,
            header_envelope = NULL, header_hash = NULL, outcome_envelope = NULL, outcome_hash = NULL
          WHERE run_id = ${runId}`.execute(trx),
      );
      const v = await verdicts(db, tenant, runId, dir);
      expect(v.coordinator).toMatchObject({
        status: 'FAILED',
        reason: 'trace is completed but not sealed: its seal is missing',
      });
      expect(v.bundle).toMatchObject({ status: 'FAILED', reason: 'trace is not sealed' });
      expect(v.audit.failed).toBe(true);
      await expect(
        db
          .updateTable('aos_traces')
          .set({
            root_hash: before.root_hash,
            merkle_root: before.merkle_root,
            chain_length: before.chain_length,
            checkpoint: before.checkpoint,
            sealed_at: before.sealed_at,
            header_envelope: JSON.stringify(before.header_envelope),
            header_hash: before.header_hash,
            outcome_envelope: JSON.stringify(before.outcome_envelope),
            outcome_hash: before.outcome_hash,
          })
          .where('run_id', '=', runId)
          .execute(),
      ).rejects.toThrow(/never sealed twice/);
    });

    it('a finished run is immutable and moves only along the lifecycle; the ledger is append-only', async () => {
      const runId = await sealedRun(db, tenant);
      await expect(db.updateTable('runs').set({ status: 'failed' }).where('id', '=', runId).execute()).rejects.toThrow(
        /finished run .* is immutable/,
      );
      await expect(
        db.updateTable('runs').set({ error_message: 'x' }).where('id', '=', runId).execute(),
      ).rejects.toThrow(/finished run .* is immutable/);
      await expect(db.updateTable('runs').set({ plan_json: '{}' }).where('id', '=', runId).execute()).rejects.toThrow(
        /plan is written once/,
      );
      await expect(
        db.updateTable('runs').set({ idempotency_key: 'late' }).where('id', '=', runId).execute(),
      ).rejects.toThrow(/run identity is immutable/);
      const fresh = await createPlannedRun(db, { tenantId: tenant, steps: [planStep(1, 'echo', { message: 'x' })] });
      await expect(
        db.updateTable('runs').set({ status: 'succeeded' }).where('id', '=', fresh.id).execute(),
      ).rejects.toThrow(/run status cannot move from queued to succeeded/);
      await expect(
        db.updateTable('cost_events').set({ cost_cents: 0 }).where('run_id', '=', runId).execute(),
      ).rejects.toThrow(/cost_events is append-only/);
      await expect(db.deleteFrom('cost_events').where('run_id', '=', runId).execute()).rejects.toThrow(
        /cost_events is append-only/,
      );
      await expect(sql`TRUNCATE budget_alerts`.execute(db)).rejects.toThrow(/budget_alerts is append-only/);
    });
  },
);

describeEachDriver('proof v3: sealing checks before it signs', (t: TestDatabase) => {
  let db: Kysely<Database>;
  let dir: string;
  const tenant = 'sealer-tenant';
  beforeAll(async () => {
    db = await t.db();
    dir = mkdtempSync(join(tmpdir(), 'aos-sealer-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A run left `running` by a crashed process, with its first step written the way the runner
   * writes it (hashed and authenticated); `forged` appends a correctly hashed step by someone
   * who may INSERT but holds no key.
   */
  async function crashedRun(mode: 'clean' | 'forged' | 'started'): Promise<string> {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [planStep(1, 'echo', { message: 'real' }), planStep(2, 'echo', { message: 'later' })],
    });
    const traceId = `trace_${run.id}`;
    const genesis = computeGenesisHash({
      plan_hash: run.plan_hash!,
      run_id: run.id,
      tenant_id: tenant,
      trace_id: traceId,
    });
    await db
      .updateTable('runs')
      .set({ status: 'running', attempts: 1, started_at: new Date(Date.now() - 3_600_000) })
      .where('id', '=', run.id)
      .execute();
    await db
      .insertInto('aos_traces')
      .values({
        trace_id: traceId,
        run_id: run.id,
        tenant_id: tenant,
        agent_id: run.agent_id,
        plan: JSON.stringify(run.plan_json),
        plan_hash: run.plan_hash!,
        started_at: new Date(Date.now() - 3_600_000),
        genesis_hash: genesis,
      })
      .execute();
    const stepRow = (index: number, prev: string, message: string, status: 'success' | 'started' = 'success') => {
      const row = {
        trace_id: traceId,
        step_index: index,
        run_id: run.id,
        tenant_id: tenant,
        attempt: 1,
        lease_epoch: 0,
        plan_step_id: `s${index + 1}`,
        skill_id: 'echo@1.0.0',
        skill_name: 'echo',
        skill_version: '1.0.0',
        params: { message },
        status,
        outcome_category: status === 'started' ? null : 'success',
        outcome_code: status === 'started' ? null : 'OK',
        outcome_data: status === 'started' ? null : { message },
        error: null,
        cost_cents: 0,
        duration_ms: status === 'started' ? null : 1,
        retry_count: 0,
        replay_behavior: 'execute' as const,
        started_at: new Date(Date.now() - 3_600_000),
        completed_at: status === 'started' ? null : new Date(Date.now() - 3_600_000),
      };
      const link = extendChain(prev, toStepEnvelope(row));
      return {
        ...row,
        params: JSON.stringify(row.params),
        outcome_data: row.outcome_data === null ? null : JSON.stringify(row.outcome_data),
        ...link,
      };
    };
    const first = stepRow(0, genesis, 'real');
    await db
      .insertInto('aos_trace_steps')
      .values({ ...first, step_mac: computeStepMac(stepKeyOf(TEST_SIGNING_KEY), traceId, 0, first.step_hash) })
      .execute();
    if (mode === 'started') {
      // Commit before act: the intent of step 2 was committed, then the process died mid-call.
      const started = stepRow(1, first.step_hash, 'later', 'started');
      await db
        .insertInto('aos_trace_steps')
        .values({ ...started, step_mac: computeStepMac(stepKeyOf(TEST_SIGNING_KEY), traceId, 1, started.step_hash) })
        .execute();
    }
    if (mode === 'forged') {
      // Hashes are public arithmetic; the step key is not.
      await db
        .insertInto('aos_trace_steps')
        .values({ ...stepRow(1, first.step_hash, 'forged'), step_mac: '0'.repeat(64) })
        .execute();
    }
    return run.id;
  }

  it('recovery seals a crashed run written by the runner: VERIFIED, no step lost', async () => {
    const runId = await crashedRun('clean');
    await recoverStaleRuns(db, { signingKey: TEST_SIGNING_KEY, olderThanMs: 60_000, tenantId: tenant });
    const v = await verdicts(db, tenant, runId, dir);
    expect(v.coordinator).toEqual({ status: 'VERIFIED', reason: null, step: null });
    expect(v.bundle.status).toBe('VERIFIED');
  });

  it('a forged step appended to an open trace is not signed by recovery: run failed trace_integrity, every verifier FAILED', async () => {
    const runId = await crashedRun('forged');
    const [recovered] = await recoverStaleRuns(db, {
      signingKey: TEST_SIGNING_KEY,
      olderThanMs: 60_000,
      tenantId: tenant,
    });
    expect(recovered).toMatchObject({ runId, traceSealed: false });
    const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    expect(run.status).toBe('failed');
    expect(run.error_message).toMatch(/^trace_integrity:1: step_mac does not authenticate the step/);
    const trace = await db.selectFrom('aos_traces').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
    expect(trace.checkpoint).toBeNull();
    const alerts = await db.selectFrom('budget_alerts').selectAll().where('run_id', '=', runId).execute();
    expect(alerts.map((a) => a.level)).toEqual(['critical']);
    const v = await verdicts(db, tenant, runId, dir);
    expect(v.coordinator.status).toBe('FAILED');
    expect(v.coordinator.reason).toMatch(/sealing refused \(step_mac does not authenticate/);
    expect(v.coordinator.step).toBe(1);
    expect(v.bundle).toMatchObject({ status: 'FAILED', reason: 'trace is not sealed' });
  });

  it('commit before act: the runner records a side-effecting step as started, then its outcome', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [planStep(1, 'kv_store', { op: 'set', key: 'k', value: 1 })],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('succeeded');
    const steps = await db
      .selectFrom('aos_trace_steps')
      .select(['status', 'plan_step_id'])
      .where('run_id', '=', run.id)
      .orderBy('step_index')
      .execute();
    expect(steps).toEqual([
      { status: 'started', plan_step_id: 's1' },
      { status: 'success', plan_step_id: 's1' },
    ]);
    const v = await verdicts(db, tenant, run.id, dir);
    expect(v.coordinator.status).toBe('VERIFIED');
  });

  it('a crash between started and its outcome ends step_outcome_unknown, sealed, and every verifier reports it', async () => {
    const runId = await crashedRun('started');
    await recoverStaleRuns(db, { signingKey: TEST_SIGNING_KEY, olderThanMs: 60_000, tenantId: tenant });
    const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    expect(run).toMatchObject({ status: 'failed', error_message: 'step_outcome_unknown:s2' });
    const proof = await getRunProof(db, tenant, runId, { trustedKeys });
    expect(proof.integrity).toMatchObject({ verification_status: 'VERIFIED', outcome_unknown_steps: [1] });
    const file = join(dir, `${runId}-unknown.json`);
    await exportProofBundleToFile(db, tenant, runId, file);
    expect(await verifyProofBundleFile(file, { trustedKeys })).toMatchObject({
      verification_status: 'VERIFIED',
      outcome_unknown_steps: [1],
    });
  });
});

describe('proof v3: the coordinator verifies what the runner wrote, for random runs', () => {
  describeEachDriver('write, read back, verify; then one byte of any stored field', (t: TestDatabase) => {
    let db: Kysely<Database>;
    const tenant = 'property-tenant';
    beforeAll(async () => {
      db = await t.db();
    });

    const FIELDS: [string, (runId: string) => string][] = [
      ['runs.goal', (id) => `UPDATE runs SET goal = overlay(goal placing 'Z' from 1 for 1) WHERE id = '${id}'`],
      [
        'runs.origin_system_id',
        (id) => `UPDATE runs SET origin_system_id = origin_system_id || 'x' WHERE id = '${id}'`,
      ],
      [
        'aos_traces.plan',
        (id) =>
          `UPDATE aos_traces SET plan = jsonb_set(plan, '{plan_id}', to_jsonb((plan->>'plan_id') || 'x')) WHERE run_id = '${id}'`,
      ],
      [
        'aos_traces.genesis_hash',
        (id) =>
          `UPDATE aos_traces SET genesis_hash = overlay(genesis_hash placing (CASE WHEN left(genesis_hash, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE run_id = '${id}'`,
      ],
      [
        'aos_traces.root_hash',
        (id) =>
          `UPDATE aos_traces SET root_hash = overlay(root_hash placing (CASE WHEN left(root_hash, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE run_id = '${id}'`,
      ],
      [
        'aos_traces.merkle_root',
        (id) =>
          `UPDATE aos_traces SET merkle_root = overlay(merkle_root placing (CASE WHEN left(merkle_root, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE run_id = '${id}'`,
      ],
      [
        'aos_traces.header_hash',
        (id) =>
          `UPDATE aos_traces SET header_hash = overlay(header_hash placing (CASE WHEN left(header_hash, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE run_id = '${id}'`,
      ],
      [
        'aos_traces.outcome_hash',
        (id) =>
          `UPDATE aos_traces SET outcome_hash = overlay(outcome_hash placing (CASE WHEN left(outcome_hash, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE run_id = '${id}'`,
      ],
      [
        'aos_traces.checkpoint',
        (id) =>
          `UPDATE aos_traces SET checkpoint = overlay(checkpoint placing 'x' from 1 for 1) WHERE run_id = '${id}'`,
      ],
      [
        'aos_traces.chain_length',
        (id) => `UPDATE aos_traces SET chain_length = chain_length + 1 WHERE run_id = '${id}'`,
      ],
      [
        'aos_trace_steps.params',
        (id) =>
          `UPDATE aos_trace_steps SET params = jsonb_set(params, '{message}', to_jsonb('Z' || substr(params->>'message', 2))) WHERE run_id = '${id}' AND step_index = 0`,
      ],
      [
        'aos_trace_steps.prev_hash',
        (id) =>
          `UPDATE aos_trace_steps SET prev_hash = overlay(prev_hash placing (CASE WHEN left(prev_hash, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE run_id = '${id}' AND step_index = 0`,
      ],
      [
        'aos_trace_steps.step_hash',
        (id) =>
          `UPDATE aos_trace_steps SET step_hash = overlay(step_hash placing (CASE WHEN left(step_hash, 1) = '0' THEN '1' ELSE '0' END) from 1 for 1) WHERE run_id = '${id}' AND step_index = 0`,
      ],
    ];

    it('VERIFIED as written; FAILED after any one-byte change', async () => {
      const message = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !s.startsWith('Z'));
      await fc.assert(
        fc.asyncProperty(
          fc.array(message, { minLength: 1, maxLength: 4 }),
          fc.constantFrom(...FIELDS),
          async (messages, [, edit]) => {
            const runId = await sealedRun(db, tenant, messages);
            const before = await getRunProof(db, tenant, runId, { trustedKeys });
            expect(before.integrity.verification_status).toBe('VERIFIED');
            await t.tamper((trx) => sql.raw(edit(runId)).execute(trx));
            const after = await getRunProof(db, tenant, runId, { trustedKeys });
            expect(after.integrity.verification_status).toBe('FAILED');
          },
        ),
        { numRuns: 12 },
      );
    });
  });
});
