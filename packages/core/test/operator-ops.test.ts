import { loadSigningKey } from '@aos/proof/node';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import {
  countTraces,
  createAgent,
  createSkillRegistry,
  recordAndReadCostEvent,
  recordRunExecutionError,
} from '@aos/core/testing';
import { createRun, runGoal } from '@aos/core/runs';

describeEachDriver('operator ops: storage', (t) => {
  it('recordAndReadCostEvent returns the stored row, the alerts it wrote and the new spend', async () => {
    const db = await t.db();
    await db
      .insertInto('tenant_quotas')
      .values({
        tenant_id: 'ops',
        daily_limit_cents: 10,
        hourly_limit_cents: 1000,
        request_limit_cents: 100,
        run_limit_cents: 500,
        warn_threshold: 0.5,
        hard_limit: true,
      })
      .execute();
    const first = await recordAndReadCostEvent(db, { tenantId: 'ops', costCents: 2 });
    expect(first.event).toMatchObject({ tenant_id: 'ops', cost_cents: 2, run_id: null, skill: null });
    expect(first.alerts).toEqual([]);
    expect(first.spend.daily).toBe(2);
    const second = await recordAndReadCostEvent(db, { tenantId: 'ops', costCents: 4 });
    expect(second.alerts).toHaveLength(1);
    expect(second.alerts[0]).toMatchObject({
      tenant_id: 'ops',
      level: 'warn',
      period: 'daily',
      spend_cents: 6,
      limit_cents: 10,
    });
    expect(second.spend.daily).toBe(6);
    // Another tenant's alerts written in between are not attributed to this event.
    await recordAndReadCostEvent(db, { tenantId: 'other', costCents: 0 });
    const third = await recordAndReadCostEvent(db, { tenantId: 'ops', costCents: 1 });
    expect(third.alerts).toEqual([]);
    await expect(recordAndReadCostEvent(db, { tenantId: 'ops', costCents: -1 })).rejects.toThrow(/cost_cents/);
    await expect(recordAndReadCostEvent(db, { tenantId: ' ', costCents: 1 })).rejects.toThrow(/tenant_id/);
  });

  it('countTraces counts sealed and unsealed traces, per tenant or overall', async () => {
    const db = await t.db();
    const signingKey = await loadSigningKey({ env: t.env, home: t.home });
    const deps = { registry: createSkillRegistry(), env: {}, signingKey };
    for (const [tenant, n] of [
      ['a', 3],
      ['b', 2],
    ] as const) {
      const agent = await createAgent(db, { name: 'ops', tenantId: tenant });
      for (let i = 0; i < n; i += 1)
        await runGoal(db, { tenantId: tenant, agentId: agent.id, goal: `echo ${i}` }, deps);
    }
    expect(await countTraces(db)).toEqual({ sealed: 5, unsealed: 0 });
    expect(await countTraces(db, { tenantId: 'b' })).toEqual({ sealed: 2, unsealed: 0 });
    expect(await countTraces(db, { tenantId: 'nobody' })).toEqual({ sealed: 0, unsealed: 0 });
  });

  it('recordRunExecutionError fails a run without a trace, once, with a storable one-line message', async () => {
    const db = await t.db();
    const agent = await createAgent(db, { name: 'thrown', tenantId: 'thrown' });
    const { run } = await createRun(db, { tenantId: 'thrown', agentId: agent.id, goal: 'echo thrown' });
    const recorded = await recordRunExecutionError(db, run.id, new TypeError('bad\nplan \u0000 here'));
    expect(recorded).toEqual({ message: 'worker_error: TypeError: bad plan \\u0000 here', markedFailed: true });
    const stored = await db
      .selectFrom('runs')
      .select(['status', 'error_message'])
      .where('id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ status: 'failed', error_message: recorded.message });
    // A terminal run is never touched again.
    expect(await recordRunExecutionError(db, run.id, new Error('later'))).toMatchObject({ markedFailed: false });
    expect(
      await db.selectFrom('runs').select('error_message').where('id', '=', run.id).executeTakeFirstOrThrow(),
    ).toEqual({ error_message: recorded.message });
  });
});
