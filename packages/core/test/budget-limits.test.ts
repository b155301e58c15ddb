import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDriver, startChatPeer, type ChatPeer } from '@aos/testkit';
import {
  createAgent,
  executeRunAttempt,
  getTenantQuota,
  setTenantQuota,
  DEFAULT_QUOTA,
  type Database,
} from '@aos/core/testing';
import { createPlannedRun, planStep, testDeps } from './runner-fixtures';

const paidStep = (id: number, cents: number) =>
  planStep(id, '__sdsr_fail_trigger__', { error_class: 'none', cost_cents: cents });

async function totalCost(db: Kysely<Database>, tenant: string): Promise<number> {
  const row = await sql<{
    total: number;
  }>`SELECT COALESCE(sum(cost_cents), 0)::float8 AS total FROM cost_events WHERE tenant_id = ${tenant}`.execute(db);
  return row.rows[0]?.total ?? NaN;
}

describeEachDriver('budgets', (t) => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    db = await t.db();
  });

  it('reads the default quotas of the README for a tenant without a quota row, and stored values after set', async () => {
    const tenant = `t-${randomUUID()}`;
    expect(await getTenantQuota(db, tenant)).toEqual({ tenant_id: tenant, ...DEFAULT_QUOTA, source: 'default' });
    const updated = await setTenantQuota(db, tenant, { daily_limit_cents: 42 });
    expect(updated).toMatchObject({ daily_limit_cents: 42, hourly_limit_cents: 1000, source: 'stored' });
    await expect(setTenantQuota(db, tenant, { daily_limit_cents: -1 })).rejects.toThrow(
      /invalid quota\.daily_limit_cents/,
    );
    expect((await getTenantQuota(db, tenant)).daily_limit_cents).toBe(42);
  });

  it('8 concurrent runs of one tenant never exceed the hard limit by more than one request estimate', async () => {
    const tenant = `t-${randomUUID()}`;
    await setTenantQuota(db, tenant, {
      daily_limit_cents: 100,
      request_limit_cents: 10,
      run_limit_cents: 1000,
      hourly_limit_cents: 1000,
    });
    const runs = await Promise.all(
      Array.from({ length: 8 }, () =>
        createPlannedRun(db, { tenantId: tenant, steps: [1, 2, 3, 4, 5].map((i) => paidStep(i, 10)) }),
      ),
    );
    const outcomes = await Promise.all(runs.map((r) => executeRunAttempt(db, r.id, testDeps())));
    const spent = await totalCost(db, tenant);
    expect(spent).toBeGreaterThanOrEqual(100);
    expect(spent).toBeLessThanOrEqual(100 + 10);
    const halted = outcomes.filter((o) => o.run.status === 'halted');
    expect(halted.length).toBeGreaterThan(0);
    for (const o of halted)
      expect(o.run.error_message).toMatch(/^Hard budget limit reached: \d+(\.\d+)?c consumed >= 100c limit \(daily\)$/);
    const traces = await db
      .selectFrom('aos_traces')
      .select(['status', 'sealed_at'])
      .where('tenant_id', '=', tenant)
      .execute();
    expect(traces).toHaveLength(8);
    expect(traces.every((tr) => tr.sealed_at !== null)).toBe(true);
    const critical = await db
      .selectFrom('budget_alerts')
      .select('level')
      .where('tenant_id', '=', tenant)
      .where('level', '=', 'critical')
      .execute();
    expect(critical.length).toBe(halted.length);
    const reservations = await db
      .selectFrom('budget_reservations')
      .select('id')
      .where('tenant_id', '=', tenant)
      .execute();
    expect(reservations).toEqual([]);
  });

  it('writes exactly one warn alert when spend crosses the warn threshold', async () => {
    const tenant = `t-${randomUUID()}`;
    await setTenantQuota(db, tenant, {
      daily_limit_cents: 100,
      warn_threshold: 0.8,
      hourly_limit_cents: 1000,
      run_limit_cents: 1000,
    });
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [paidStep(1, 30), paidStep(2, 30), paidStep(3, 25), paidStep(4, 5)],
    });
    const deps = testDeps();
    const { run: done } = await executeRunAttempt(db, run.id, deps);
    expect(done.status).toBe('succeeded');
    const alerts = await db
      .selectFrom('budget_alerts')
      .select(['level', 'period', 'spend_cents', 'limit_cents'])
      .where('tenant_id', '=', tenant)
      .execute();
    expect(alerts).toEqual([{ level: 'warn', period: 'daily', spend_cents: 85, limit_cents: 100 }]);
    expect(deps.events.filter((e) => e.type === 'budget_alert')).toHaveLength(1);
  });

  it('refuses a step whose estimate exceeds the per-request limit, halting before it runs', async () => {
    const tenant = `t-${randomUUID()}`;
    const run = await createPlannedRun(db, { tenantId: tenant, steps: [paidStep(1, 150)] });
    const { run: done, stepsAppended } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('halted');
    expect(done.error_message).toBe('Hard budget limit reached: request estimate 150c > 100c per-request limit');
    expect(stepsAppended).toBe(0);
    expect(await totalCost(db, tenant)).toBe(0);
  });

  it("8 concurrent runs on one agent never exceed the agent's budget by more than one request estimate", async () => {
    const tenant = `t-${randomUUID()}`;
    const agent = await createAgent(db, { name: 'shared-purse', tenantId: tenant, budgetCents: 30 });
    // The delay keeps every run's first step in flight while the others reserve theirs.
    const slowPaidStep = (id: number) =>
      planStep(id, '__sdsr_fail_trigger__', { error_class: 'none', cost_cents: 10, delay_ms: 50 });
    const runs = await Promise.all(
      Array.from({ length: 8 }, () =>
        createPlannedRun(db, { tenantId: tenant, agentId: agent.id, steps: [1, 2, 3].map(slowPaidStep) }),
      ),
    );
    const outcomes = await Promise.all(runs.map((r) => executeRunAttempt(db, r.id, testDeps())));
    const spent = await totalCost(db, tenant);
    expect(spent).toBeGreaterThanOrEqual(30);
    expect(spent).toBeLessThanOrEqual(30 + 10);
    const { spent_cents } = await db
      .selectFrom('agents')
      .select('spent_cents')
      .where('id', '=', agent.id)
      .executeTakeFirstOrThrow();
    expect(spent_cents).toBe(spent);
    const halted = outcomes.filter((o) => o.run.status === 'halted');
    expect(halted.length).toBeGreaterThan(0);
    for (const o of halted)
      expect(o.run.error_message).toMatch(
        /^Hard budget limit reached: \d+(\.\d+)?c consumed >= 30c limit \(agent budget\)$/,
      );
    const reservations = await db
      .selectFrom('budget_reservations')
      .select('id')
      .where('tenant_id', '=', tenant)
      .execute();
    expect(reservations).toEqual([]);
  });

  it("halts a run when its agent's budget is spent", async () => {
    const tenant = `t-${randomUUID()}`;
    const agent = await createAgent(db, { name: 'frugal', tenantId: tenant, budgetCents: 20 });
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      agentId: agent.id,
      steps: [paidStep(1, 15), paidStep(2, 15), paidStep(3, 15)],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps());
    expect(done.status).toBe('halted');
    expect(done.error_message).toBe('Hard budget limit reached: 30c consumed >= 20c limit (agent budget)');
    const spent = await db
      .selectFrom('agents')
      .select('spent_cents')
      .where('id', '=', agent.id)
      .executeTakeFirstOrThrow();
    expect(spent.spent_cents).toBe(30);
  });

  describe('llm_invoke and its reservation', () => {
    let llm: ChatPeer;
    let env: Record<string, string>;
    beforeAll(async () => {
      llm = await startChatPeer({ content: 'Hello!' });
      env = { AOS_LLM_BASE_URL: llm.baseUrl, AOS_HTTP_ALLOW_HOSTS: llm.hostPort };
    });
    afterAll(async () => {
      await llm.close();
    });

    it('sends the max_tokens its reservation pays for and records the reported cost', async () => {
      llm.setUsage({ prompt_tokens: 9, completion_tokens: 20 });
      const tenant = `t-${randomUUID()}`;
      const run = await createPlannedRun(db, {
        tenantId: tenant,
        steps: [
          planStep(1, 'llm_invoke', { prompt: 'Say hello' }),
          planStep(2, 'llm_invoke', { prompt: 'Say hello', max_tokens: 64 }),
        ],
      });
      const { run: done } = await executeRunAttempt(db, run.id, testDeps(env));
      expect(done.status).toBe('succeeded');
      // reserved: (ceil(9 / 3) + 8 + 16) prompt + 1024 (or 64) completion tokens at 0.2c per 1k
      expect(llm.chats.slice(-2).map((c) => c.max_tokens)).toEqual([1024, 64]);
      const costs = await db
        .selectFrom('cost_events')
        .select(['cost_cents', 'tokens'])
        .where('run_id', '=', run.id)
        .orderBy('step_index')
        .execute();
      expect(costs).toEqual([
        { cost_cents: 0.0058, tokens: 29 },
        { cost_cents: 0.0058, tokens: 29 },
      ]);
      const alerts = await db.selectFrom('budget_alerts').select('id').where('tenant_id', '=', tenant).execute();
      expect(alerts).toEqual([]);
    });

    it('records an answer costing more than its reservation as reported, raises a critical alert and halts', async () => {
      // The peer ignores max_tokens and reports far more than was reserved.
      llm.setUsage({ prompt_tokens: 9, completion_tokens: 100_000 });
      const tenant = `t-${randomUUID()}`;
      const run = await createPlannedRun(db, {
        tenantId: tenant,
        steps: [planStep(1, 'llm_invoke', { prompt: 'Say hello' }), planStep(2, 'echo', { message: 'never' })],
      });
      const deps = testDeps(env);
      const { run: done, stepsAppended } = await executeRunAttempt(db, run.id, deps);
      // reserved (27 + 1024) tokens = 0.2102c; reported 100009 tokens = 20.0018c
      const message = 'Request exceeded its reservation: llm_invoke reported usage costing 20.0018c > 0.2102c reserved';
      expect(done.status).toBe('halted');
      expect(done.error_message).toBe(message);
      expect(stepsAppended).toBe(1);
      expect(llm.chats.at(-1)?.max_tokens).toBe(1024);
      const costs = await db
        .selectFrom('cost_events')
        .select(['skill', 'cost_cents', 'tokens'])
        .where('run_id', '=', run.id)
        .execute();
      expect(costs).toEqual([{ skill: 'llm_invoke', cost_cents: 20.0018, tokens: 100_009 }]);
      const alerts = await db
        .selectFrom('budget_alerts')
        .select(['level', 'period', 'message', 'spend_cents', 'limit_cents'])
        .where('tenant_id', '=', tenant)
        .execute();
      expect(alerts).toEqual([
        { level: 'critical', period: 'request', message, spend_cents: 20.0018, limit_cents: 0.2102 },
      ]);
      expect(deps.events).toContainEqual({ type: 'budget_alert', runId: run.id, message });
      const trace = await db
        .selectFrom('aos_traces')
        .select(['status', 'sealed_at'])
        .where('run_id', '=', run.id)
        .executeTakeFirstOrThrow();
      expect(trace.status).toBe('aborted');
      expect(trace.sealed_at).not.toBeNull();
      const { spent_cents } = await db
        .selectFrom('agents')
        .select('spent_cents')
        .where('id', '=', run.agent_id)
        .executeTakeFirstOrThrow();
      expect(spent_cents).toBe(20.0018);
      const reservations = await db
        .selectFrom('budget_reservations')
        .select('id')
        .where('tenant_id', '=', tenant)
        .execute();
      expect(reservations).toEqual([]);
    });
  });
});
