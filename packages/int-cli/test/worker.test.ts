import { createAgent } from '@aos/core';
import { createRun } from '@aos/core/runs';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { WorkerShape } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';

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
});
