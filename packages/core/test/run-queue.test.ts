import { randomUUID } from 'node:crypto';
import { getRunProof } from '@aos/proof/postgres';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@aos/testkit';
import { createRun } from '@aos/core/runs';
import {
  createAgent,
  enqueueRun,
  executeRunAttempt,
  grantRunQueue,
  recoverQueuedRuns,
  runQueueInstalled,
  type AosDatabase,
  type Database,
  type RunWorkerDeps,
} from '@aos/core/testing';
import { createPlannedRun, planStep, refusal, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

// SPEC §14: the run queue (graphile-worker) on a Postgres server — a run and its job commit
// together, the database adds jobs only for the session tenant's own waiting runs, and recovery
// takes expired leases (next attempt queued, or failed with the trace sealed) and gives a job to
// a waiting run that has none.

interface JobRow {
  key: string | null;
  task_identifier: string;
  payload: { run_id: string; tenant_id: string };
  run_at: Date;
  locked_at: Date | null;
}

async function jobsOf(db: Kysely<Database>, runId: string): Promise<JobRow[]> {
  const rows = await sql<JobRow>`
    SELECT j.key, t.identifier AS task_identifier, j.payload, j.run_at, j.locked_at
      FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
     WHERE j.payload->>'run_id' = ${runId}`.execute(db);
  return rows.rows;
}

const slowStep = (id: number, delayMs = 50) =>
  planStep(id, '__sdsr_fail_trigger__', { error_class: 'none', delay_ms: delayMs });

describe.skipIf(!inject('aosServerAvailable'))('the run queue [server]', () => {
  let t: TestDatabase;
  let db: Kysely<Database>;
  let store: AosDatabase;
  let deps: RunWorkerDeps;
  beforeAll(async () => {
    t = await createTestDatabase('server');
    db = await t.db();
    store = await t.store();
    deps = {
      store,
      registry: testDeps().registry,
      env: {},
      signer: () => Promise.resolve(TEST_SIGNING_KEY),
      afterSeal: testDeps().afterSeal,
    };
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('a migrated server store has the queue; a run and its job commit together, or neither does', async () => {
    expect(await runQueueInstalled(db)).toBe(true);
    const tenant = `t-${randomUUID()}`;
    const tenantDb = await t.tenantDb(tenant);
    const agent = await createAgent(tenantDb, { name: 'q', tenantId: tenant });
    const { run } = await tenantDb.transaction().execute(async (trx) => {
      const made = await createRun(trx, { tenantId: tenant, agentId: agent.id, goal: 'echo hi' });
      await enqueueRun(trx, made.run.id);
      return made;
    });
    const [job, ...more] = await jobsOf(db, run.id);
    expect(more).toEqual([]);
    expect(job).toMatchObject({
      key: run.id,
      task_identifier: 'aos_execute_run',
      payload: { run_id: run.id, tenant_id: tenant },
    });
    // A transaction that fails after enqueueing leaves neither the run nor its job.
    let rolledBack = '';
    await tenantDb
      .transaction()
      .execute(async (trx) => {
        const made = await createRun(trx, { tenantId: tenant, agentId: agent.id, goal: 'echo gone' });
        rolledBack = made.run.id;
        await enqueueRun(trx, made.run.id);
        throw new Error('abort the transaction');
      })
      .catch(() => undefined);
    expect(rolledBack).not.toBe('');
    expect(await db.selectFrom('runs').select('id').where('id', '=', rolledBack).execute()).toEqual([]);
    expect(await jobsOf(db, rolledBack)).toEqual([]);
    // Enqueueing again replaces the waiting job: still one.
    await enqueueRun(tenantDb, run.id);
    expect(await jobsOf(db, run.id)).toHaveLength(1);
  });

  it('a table a later graphile-worker adds gets the aos_worker grant and policy when migrate runs again', async () => {
    await sql`CREATE TABLE graphile_worker._private_future (id int)`.execute(db);
    await sql`ALTER TABLE graphile_worker._private_future ENABLE ROW LEVEL SECURITY`.execute(db);
    try {
      const access = () =>
        sql<{ can: boolean; policies: number }>`
          SELECT has_table_privilege('aos_worker', 'graphile_worker._private_future', 'SELECT') AS can,
                 (SELECT count(*)::int FROM pg_policies WHERE schemaname = 'graphile_worker'
                     AND tablename = '_private_future' AND policyname = 'aos_worker_queue') AS policies`
          .execute(db)
          .then((r) => r.rows[0]);
      expect(await access()).toEqual({ can: false, policies: 0 });
      await grantRunQueue(db);
      await grantRunQueue(db);
      expect(await access()).toEqual({ can: true, policies: 1 });
    } finally {
      await sql`DROP TABLE graphile_worker._private_future`.execute(db);
    }
  });

  it("the database adds no job for another tenant's run, a finished run, or a session without a tenant", async () => {
    const owner = `t-${randomUUID()}`;
    const other = `t-${randomUUID()}`;
    const ownerDb = await t.tenantDb(owner);
    const run = await createPlannedRun(ownerDb, { tenantId: owner, steps: [slowStep(1)] });
    expect(await refusal(() => enqueueRun(store.forTenant(other), run.id))).toMatch(
      new RegExp(`run queue refused: run ${run.id} is not a queued or retry run of tenant ${other}`),
    );
    expect(await refusal(() => enqueueRun(store.db, run.id))).toMatch(
      /is not a queued or retry run of tenant \(none\)/,
    );
    await executeRunAttempt(ownerDb, run.id, testDeps());
    expect(await refusal(() => enqueueRun(ownerDb, run.id))).toMatch(/is not a queued or retry run/);
    expect(await jobsOf(db, run.id)).toEqual([]);
    // The app role cannot reach the queue's tables at all.
    expect(await refusal(() => sql`SELECT count(*) FROM graphile_worker._private_jobs`.execute(ownerDb))).toMatch(
      /permission denied/,
    );
  });

  it('recovery: an expired lease with attempts left is requeued; without, the run fails with its trace sealed; a stale holder can seal nothing', async () => {
    const tenant = `t-${randomUUID()}`;
    const tenantDb = await t.tenantDb(tenant);
    const steps = [slowStep(1), slowStep(2, 400), slowStep(3)];
    const retryable = await createPlannedRun(tenantDb, { tenantId: tenant, steps, maxAttempts: 2 });
    const exhausted = await createPlannedRun(tenantDb, { tenantId: tenant, steps, maxAttempts: 1 });
    // Both attempts are mid-run (first step in) when their leases "expire" (a stalled worker).
    const stalled = [retryable, exhausted].map((run) => {
      const runDeps = testDeps();
      const attempt = executeRunAttempt(tenantDb, run.id, runDeps).then(
        (outcome) => `finished ${outcome.run.status}`,
        (error: unknown) => (error as Error).message,
      );
      return { run, runDeps, attempt };
    });
    for (const { runDeps } of stalled) {
      for (let i = 0; i < 200 && !runDeps.events.some((e) => e.type === 'step_finished'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
    await sql`UPDATE runs SET lease_expires_at = now() - interval '1 second' WHERE id IN (${retryable.id}, ${exhausted.id})`.execute(
      db,
    );
    const report = await recoverQueuedRuns(deps);
    expect(report.requeued).toContain(retryable.id);
    expect(report.failed).toContain(exhausted.id);
    // The stalled attempts wake up fenced: their next step (or seal) is refused.
    for (const { attempt } of stalled) expect(await attempt).toMatch(/refused|taken over/);
    const after = await db
      .selectFrom('runs')
      .select(['id', 'status', 'error_message', 'lease_owner', 'lease_epoch'])
      .where('id', 'in', [retryable.id, exhausted.id])
      .execute();
    const byId = new Map(after.map((r) => [r.id, r]));
    expect(byId.get(retryable.id)).toMatchObject({ status: 'retry', lease_owner: null });
    expect(byId.get(retryable.id)?.error_message).toMatch(/^run_interrupted: the lease of attempt 1 expired/);
    expect(await jobsOf(db, retryable.id)).toHaveLength(1);
    expect(byId.get(exhausted.id)).toMatchObject({ status: 'failed' });
    expect(byId.get(exhausted.id)?.error_message).toMatch(/^run_interrupted: /);
    const trusted = { trustedKeys: [TEST_SIGNING_KEY.verifierKey] };
    expect((await getRunProof(tenantDb, tenant, exhausted.id, trusted)).integrity.verification_status).toBe('VERIFIED');
    // The requeued run's next attempt continues after the step the first one finished: none lost, none twice.
    const { run: done } = await executeRunAttempt(tenantDb, retryable.id, testDeps());
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    const rows = await db
      .selectFrom('aos_trace_steps')
      .select(['plan_step_id', 'attempt', 'status'])
      .where('run_id', '=', retryable.id)
      .orderBy('step_index')
      .execute();
    expect(rows.map((r) => `${r.plan_step_id}@${r.attempt}:${r.status}`)).toEqual([
      's1@1:success',
      's2@2:success',
      's3@2:success',
    ]);
    expect((await getRunProof(tenantDb, tenant, retryable.id, trusted)).integrity.verification_status).toBe('VERIFIED');
  });

  it('recovery gives a job to a due retry run and an old queued run that have none, and leaves a young one', async () => {
    const tenant = `t-${randomUUID()}`;
    const tenantDb = await t.tenantDb(tenant);
    const due = await createPlannedRun(tenantDb, {
      tenantId: tenant,
      steps: [planStep(1, '__sdsr_fail_trigger__', { error_class: 'retryable', fail_until_attempt: 1 })],
      maxAttempts: 2,
    });
    // Its first attempt fails retryably outside any worker: `retry`, and no job.
    expect((await executeRunAttempt(tenantDb, due.id, testDeps())).run.status).toBe('retry');
    const old = await createPlannedRun(tenantDb, { tenantId: tenant, steps: [slowStep(1)] });
    const young = await createPlannedRun(tenantDb, { tenantId: tenant, steps: [slowStep(1)] });
    await sql`UPDATE runs SET next_attempt_at = now() - interval '1 second' WHERE id = ${due.id}`.execute(db);
    // Created two minutes ago (identity columns are immutable: written with the triggers off).
    await t.tamper((trx) =>
      sql`UPDATE runs SET created_at = now() - interval '2 minutes' WHERE id = ${old.id}`.execute(trx),
    );
    const report = await recoverQueuedRuns(deps);
    expect(report.enqueued).toEqual(expect.arrayContaining([due.id, old.id]));
    expect(report.enqueued).not.toContain(young.id);
    expect(await jobsOf(db, due.id)).toHaveLength(1);
    expect(await jobsOf(db, old.id)).toHaveLength(1);
    expect(await jobsOf(db, young.id)).toEqual([]);
    // A second pass finds them queued: nothing to do.
    expect((await recoverQueuedRuns(deps)).enqueued).not.toContain(due.id);
    // A job graphile-worker gave up on (its task threw max_attempts times) is as good as none:
    // the next pass re-arms it (attempts back to 0).
    await sql`UPDATE graphile_worker._private_jobs SET attempts = max_attempts, last_error = 'database away'
               WHERE key = ${old.id}`.execute(db);
    expect((await recoverQueuedRuns(deps)).enqueued).toContain(old.id);
    const [rearmed] = await sql<{ attempts: number }>`
      SELECT attempts FROM graphile_worker._private_jobs WHERE key = ${old.id}`
      .execute(db)
      .then((r) => r.rows);
    expect(rearmed?.attempts).toBe(0);
  });
});
