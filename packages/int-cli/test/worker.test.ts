import { createAgent } from '@aos/core/testing';
import { createRun } from '@aos/core/runs';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { WorkerShape } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';
import { createSealedRuns } from './run-setup';

describeEachDriver('int-cli worker', (t) => {
  it('executes due runs once (a retry whose time has come, an old queued one) without creating any', async () => {
    const { retryId, freshId } = await query(t, async (db) => {
      const agent = await createAgent(db, { name: 'worker-test', tenantId: 'acme' });
      const retry = (await createRun(db, { tenantId: 'acme', agentId: agent.id, goal: 'echo from the worker' })).run;
      // A run reaches `retry` through `running` (the lifecycle trigger refuses any shortcut).
      await db.updateTable('runs').set({ status: 'running' }).where('id', '=', retry.id).execute();
      await db
        .updateTable('runs')
        .set({ status: 'retry', next_attempt_at: new Date(Date.now() - 1000) })
        .where('id', '=', retry.id)
        .execute();
      const fresh = (await createRun(db, { tenantId: 'acme', agentId: agent.id, goal: 'echo just created' })).run;
      return { retryId: retry.id, freshId: fresh.id };
    });

    // A queued run younger than --queued-after (1m) is left to the process that created it.
    const first = await cliOn(t, ['worker', '--once'], { NO_COLOR: '1' });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^run ${retryId} \\(tenant acme\\) attempt 1: succeeded, 1 step appended$`, 'm'),
    );
    expect(first.stdout).not.toContain(freshId);
    expect(first.stdout).toContain('Executed 1 run attempt.');

    const second = await cliOn(t, ['worker', '--once', '--queued-after', '0', '--json']);
    expect(second.code).toBe(0);
    const doc = WorkerShape.parse(JSON.parse(second.stdout));
    expect(doc.executed).toEqual([
      { run_id: freshId, tenant_id: 'acme', attempt: 1, status: 'succeeded', steps_appended: 1, error: null },
    ]);

    const runs = await query(t, (db) => db.selectFrom('runs').select(['id', 'status']).orderBy('id').execute());
    expect(runs).toEqual([retryId, freshId].sort().map((id) => ({ id, status: 'succeeded' })));
    expect((await cliOn(t, ['worker', '--once'])).stdout).toBe('No due run.\n');
  });

  it('records a run whose execution throws, reports it, and still executes the other tenants’ runs', async () => {
    const { poisonedId, goodIds } = await query(t, async (db) => {
      const poisonAgent = await createAgent(db, { name: 'poisoned', tenantId: 'poisoned' });
      const poisoned = await createRun(db, { tenantId: 'poisoned', agentId: poisonAgent.id, goal: 'echo poisoned' });
      const ids: string[] = [];
      for (const tenantId of ['good-a', 'good-b', 'good-c']) {
        const agent = await createAgent(db, { name: 'good', tenantId });
        ids.push((await createRun(db, { tenantId, agentId: agent.id, goal: `echo for ${tenantId}` })).run.id);
      }
      return { poisonedId: poisoned.run.id, goodIds: ids };
    });
    // A stored plan the runner cannot read, on the oldest due run (created first): it heads the batch.
    await t.tamper((trx) =>
      trx
        .updateTable('runs')
        .set({ plan_json: JSON.stringify({ not: 'a plan' }), plan_hash: 'f'.repeat(64) })
        .where('id', '=', poisonedId)
        .execute(),
    );

    const result = await cliOn(t, ['worker', '--once', '--queued-after', '0'], { NO_COLOR: '1' });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^run ${poisonedId} \\(tenant poisoned\\) could not be executed: worker_error: AosError: run ${poisonedId}: the stored plan does not match its plan_hash; refusing to execute it; marked failed$`,
      ),
    );
    for (const [i, id] of goodIds.entries()) {
      expect(lines).toContain(`run ${id} (tenant good-${'abc'[i]}) attempt 1: succeeded, 1 step appended`);
    }
    expect(lines.at(-1)).toBe('Executed 3 run attempts. 1 run could not be executed.');

    const runs = await query(t, async (db) => ({
      poisoned: await db
        .selectFrom('runs')
        .select(['status', 'error_message'])
        .where('id', '=', poisonedId)
        .executeTakeFirstOrThrow(),
      good: await db.selectFrom('runs').select('status').where('id', 'in', goodIds).execute(),
      traces: await db.selectFrom('aos_traces').select('trace_id').where('run_id', '=', poisonedId).execute(),
    }));
    expect(runs.poisoned.status).toBe('failed');
    expect(runs.poisoned.error_message).toMatch(/^worker_error: \S/);
    expect(runs.poisoned.error_message).not.toContain('\n');
    expect(runs.good).toEqual(goodIds.map(() => ({ status: 'succeeded' })));
    expect(runs.traces).toEqual([]);
    // Recorded once: the failed run is not due any more.
    expect((await cliOn(t, ['worker', '--once', '--queued-after', '0'])).stdout).toBe('No due run.\n');
  });

  it('leaves a run that has a trace as it is when its execution throws, and says so', async () => {
    const [runId] = await createSealedRuns(t, 'stuck', ['echo sealed once']);
    await t.tamper((trx) =>
      trx
        .updateTable('runs')
        .set({
          status: 'retry',
          next_attempt_at: new Date(Date.now() - 1000),
          completed_at: null,
          plan_json: JSON.stringify({ not: 'a plan' }),
        })
        .where('id', '=', runId!)
        .execute(),
    );
    const result = await cliOn(t, ['worker', '--once', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = WorkerShape.parse(JSON.parse(result.stdout));
    expect(doc.executed).toEqual([]);
    expect(doc.errors).toEqual([
      { run_id: runId, tenant_id: 'stuck', error: expect.stringMatching(/^worker_error: /), marked_failed: false },
    ]);
    const run = await query(t, (db) =>
      db.selectFrom('runs').select(['status', 'error_message']).where('id', '=', runId!).executeTakeFirstOrThrow(),
    );
    expect(run).toEqual({ status: 'retry', error_message: null });
  });
});
