import { randomUUID } from 'node:crypto';
import { getRunProof } from '@aos/proof/postgres';
import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import { executeRunAttempt, runRetryDelaySeconds, type Database } from '@aos/core/testing';
import { runGoal } from '@aos/core/runs';
import { createAgent } from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

/** A run's stored trace and steps, and its proof as the proof coordinator recomputes it from them. */
async function verifyStored(db: Kysely<Database>, tenantId: string, runId: string) {
  const trace = await db.selectFrom('aos_traces').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
  const steps = await db
    .selectFrom('aos_trace_steps')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('step_index')
    .execute();
  const proof = await getRunProof(db, tenantId, runId, { trustedKeys: [TEST_SIGNING_KEY.verifierKey] });
  return { trace, steps, proof };
}

describeEachDriver('runner lifecycle', (t) => {
  let db: Kysely<Database>;
  const tenant = `tenant-${randomUUID()}`;
  beforeAll(async () => {
    db = await t.db();
  });

  it('runs echo → json_transform to success with the output passed on and a sealed, verifiable trace', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [
        planStep(1, 'echo', { message: '{"who":"world"}' }),
        planStep(2, 'json_transform', { payload: { greeting: '{{s1.message}}' }, mapping: { out: 'greeting' } }),
      ],
    });
    const { run: done, stepsAppended } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('succeeded');
    expect(done.error_message).toBeNull();
    expect(done.attempts).toBe(1);
    expect(done.completed_at).toBeInstanceOf(Date);
    expect(stepsAppended).toBe(2);
    const { trace, steps, proof } = await verifyStored(db, tenant, run.id);
    expect(trace.status).toBe('completed');
    expect(trace.chain_length).toBe(2);
    expect(trace.root_hash).toBe(steps[1]?.step_hash);
    expect(steps.map((s) => [s.plan_step_id, s.status, s.skill_name])).toEqual([
      ['s1', 'success', 'echo'],
      ['s2', 'success', 'json_transform'],
    ]);
    expect(steps[1]?.outcome_data).toEqual({ result: { out: '{"who":"world"}' } });
    expect(proof.integrity.verification_status).toBe('VERIFIED');
    const costs = await db
      .selectFrom('cost_events')
      .select(['step_index', 'trace_id'])
      .where('run_id', '=', run.id)
      .orderBy('step_index')
      .execute();
    expect(costs).toEqual([
      { step_index: 0, trace_id: trace.trace_id },
      { step_index: 1, trace_id: trace.trace_id },
    ]);
  });

  it('fails a step whose backend is not configured, naming the setting, and still seals the trace', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [planStep(1, 'llm_invoke', { prompt: 'hello' })],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps({}));
    expect(done.status).toBe('failed');
    expect(done.error_message).toMatch(/^step_failed:s1:.*AOS_LLM_BASE_URL/);
    const { trace, steps, proof } = await verifyStored(db, tenant, run.id);
    expect(trace.status).toBe('failed');
    expect(trace.sealed_at).not.toBeNull();
    expect(steps).toHaveLength(1);
    expect(steps[0]?.outcome_category).toBe('not_configured');
    expect(proof.integrity.verification_status).toBe('VERIFIED');
  });

  it('retries a retryable step up to retry_count, one trace step per attempt, then fails', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [
        planStep(1, '__sdsr_fail_trigger__', { error_class: 'retryable', message: 'upstream 503' }, { retry_count: 3 }),
      ],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('failed');
    expect(done.error_message).toMatch(/^step_failed:s1:.*upstream 503/);
    const { steps } = await verifyStored(db, tenant, run.id);
    expect(steps.map((s) => [s.step_index, s.retry_count, s.attempt, s.status])).toEqual([
      [0, 0, 1, 'failure'],
      [1, 1, 1, 'failure'],
      [2, 2, 1, 'failure'],
    ]);
  });

  it('records a recovered retry: failure then success within one step', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [
        planStep(1, '__sdsr_fail_trigger__', { error_class: 'retryable', fail_until_attempt: 1 }, { retry_count: 2 }),
      ],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('succeeded');
    const { steps, proof } = await verifyStored(db, tenant, run.id);
    expect(steps.map((s) => [s.retry_count, s.status])).toEqual([
      [0, 'failure'],
      [1, 'success'],
    ]);
    expect(proof.integrity.verification_status).toBe('VERIFIED');
  });

  it('aborts on a failed abort step and goes on past a failed continue step', async () => {
    const abort = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [
        planStep(1, '__sdsr_fail_trigger__', { error_class: 'non_retryable', message: 'boom' }),
        planStep(2, 'echo', { message: 'never' }),
      ],
    });
    const aborted = await executeRunAttempt(db, abort.id, testDeps());
    expect(aborted.run.status).toBe('failed');
    expect(aborted.run.error_message).toMatch(/^step_failed:s1:.*boom/);
    expect(aborted.stepsAppended).toBe(1);

    const cont = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [
        planStep(
          1,
          '__sdsr_fail_trigger__',
          { error_class: 'non_retryable', message: 'ignored' },
          { on_error: 'continue' },
        ),
        planStep(2, 'echo', { message: 'still here' }, { depends_on: [] }),
      ],
    });
    const continued = await executeRunAttempt(db, cont.id, testDeps());
    expect(continued.run.status).toBe('succeeded');
    expect(continued.stepsAppended).toBe(2);
  });

  it('fails a step whose template reference cannot be resolved, never passing the text on', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [
        planStep(1, '__sdsr_fail_trigger__', { error_class: 'non_retryable' }, { on_error: 'continue' }),
        planStep(2, 'echo', { message: 'got {{s1.value}}' }),
      ],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('failed');
    expect(done.error_message).toMatch(/^step_failed:s2:.*s1\.value/);
    const { steps } = await verifyStored(db, tenant, run.id);
    expect(JSON.stringify(steps[1]?.params)).toContain('{{s1.value}}');
    expect(steps[1]?.status).toBe('failure');
  });

  it('leaves a retryably failed run in retry with next_attempt_at per the backoff, trace open, then finishes it', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      maxAttempts: 2,
      steps: [planStep(1, '__sdsr_fail_trigger__', { error_class: 'retryable' })],
    });
    const before = Date.now();
    const first = await executeRunAttempt(db, run.id, testDeps());
    expect(first.run.status).toBe('retry');
    expect(runRetryDelaySeconds(1)).toBe(60);
    const delay = first.run.next_attempt_at!.getTime() - before;
    expect(delay).toBeGreaterThanOrEqual(60_000 - 50);
    expect(delay).toBeLessThan(61_000);
    const open = await db
      .selectFrom('aos_traces')
      .select(['status', 'sealed_at'])
      .where('run_id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect(open).toEqual({ status: 'running', sealed_at: null });

    const second = await executeRunAttempt(db, run.id, testDeps());
    expect(second.run.status).toBe('failed');
    expect(second.run.attempts).toBe(2);
    const { steps, trace, proof } = await verifyStored(db, tenant, run.id);
    expect(steps.map((s) => [s.step_index, s.attempt])).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(trace.status).toBe('failed');
    expect(proof.integrity.verification_status).toBe('VERIFIED');
  });

  it('backoff follows min(60·2^(attempts−1), 3600) seconds', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map(runRetryDelaySeconds)).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
  });

  it('runGoal retries inline until a terminal status and plans through the one planner path', async () => {
    const agent = await createAgent(db, { name: 'inline', tenantId: tenant });
    const result = await runGoal(
      db,
      { tenantId: tenant, agentId: agent.id, goal: 'echo hello inline' },
      { ...testDeps(), inlineRetryCapMs: 10 },
    );
    expect(result.run.status).toBe('succeeded');
    expect(result.run.plan_json).not.toBeNull();
    expect(result.run.plan_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.stepsExecuted).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['a NUL character', 'transform {"k\\u0000":1}', 'k\\u0000', 'a NUL character (\\u0000)'],
    ['a lone surrogate', 'transform {"k\\ud800":1}', 'k\\ud800', 'a lone surrogate (\\ud800)'],
  ])(
    'fails planning cleanly when an object key of the inline JSON holds %s: failed, no plan, no trace',
    async (_name, goal, key, problem) => {
      const agent = await createAgent(db, { name: 'unstorable', tenantId: tenant });
      const result = await runGoal(db, { tenantId: tenant, agentId: agent.id, goal }, testDeps());
      expect(result.stepsExecuted).toBe(0);
      expect(result.run).toMatchObject({ status: 'failed', plan_json: null, plan_hash: null, attempts: 0 });
      expect(result.run.completed_at).toBeInstanceOf(Date);
      expect(result.run.error_message).toBe(
        `plan_generation_failed: plan invalid: step s1 (json_transform): params.payload["${key}"]: the key contains ${problem}, which Postgres cannot store`,
      );
      const stored = await db
        .selectFrom('runs')
        .select(['status', 'error_message', 'plan_json'])
        .where('id', '=', result.run.id)
        .executeTakeFirstOrThrow();
      expect(stored).toEqual({ status: 'failed', error_message: result.run.error_message, plan_json: null });
      const traces = await db.selectFrom('aos_traces').select('trace_id').where('run_id', '=', result.run.id).execute();
      expect(traces).toEqual([]);
    },
  );

  it('plans and runs inline JSON whose keys hold text Postgres stores (an emoji, U+FFFD)', async () => {
    const agent = await createAgent(db, { name: 'storable', tenantId: tenant });
    const goal = 'transform {"k\\ud83d\\ude00":1,"\uFFFD":2}';
    const result = await runGoal(db, { tenantId: tenant, agentId: agent.id, goal }, testDeps());
    expect(result.run.status).toBe('succeeded');
    const { steps } = await verifyStored(db, tenant, result.run.id);
    expect(steps[0]?.outcome_data).toEqual({ result: { 'k\uD83D\uDE00': 1, '\uFFFD': 2 } });
  });

  it('returns the existing run for a repeated idempotency key and refuses a different body', async () => {
    const agent = await createAgent(db, { name: 'idem', tenantId: tenant });
    const key = `key-${randomUUID()}`;
    const first = await runGoal(
      db,
      { tenantId: tenant, agentId: agent.id, goal: 'echo once', idempotencyKey: key },
      testDeps(),
    );
    const again = await runGoal(
      db,
      { tenantId: tenant, agentId: agent.id, goal: 'echo once', idempotencyKey: key },
      testDeps(),
    );
    expect(again.created).toBe(false);
    expect(again.run.id).toBe(first.run.id);
    expect(again.stepsExecuted).toBe(0);
    await expect(
      runGoal(db, { tenantId: tenant, agentId: agent.id, goal: 'echo twice', idempotencyKey: key }, testDeps()),
    ).rejects.toMatchObject({
      code: 'IDEMPOTENCY_CONFLICT',
    });
  });
});
