import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import type { Database } from '@aos/core/testing';

const HEX = (c: string): string => c.repeat(64);

async function seedRun(
  db: Kysely<Database>,
  tenant = 'tenant-a',
): Promise<{ runId: string; traceId: string; agentId: string }> {
  const agent = await db
    .insertInto('agents')
    .values({ name: 'immutability', tenant_id: tenant, budget_cents: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const run = await db
    .insertInto('runs')
    .values({
      tenant_id: tenant,
      agent_id: agent.id,
      origin_system_id: 'test',
      goal: 'g',
      error_message: null,
      plan_json: null,
      plan_hash: null,
      idempotency_key: null,
      duration_ms: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const traceId = `trace_${run.id}`;
  await db
    .insertInto('aos_traces')
    .values({
      trace_id: traceId,
      run_id: run.id,
      tenant_id: tenant,
      agent_id: agent.id,
      plan: null,
      plan_hash: HEX('a'),
      genesis_hash: HEX('b'),
      root_hash: null,
      merkle_root: null,
      chain_length: null,
      checkpoint: null,
    })
    .execute();
  return { runId: run.id, traceId, agentId: agent.id };
}

function step(traceId: string, runId: string, index: number, tenant = 'tenant-a') {
  return {
    trace_id: traceId,
    step_index: index,
    run_id: runId,
    tenant_id: tenant,
    attempt: 1,
    plan_step_id: `s${index + 1}`,
    skill_id: 'echo@1.0.0',
    skill_name: 'echo',
    skill_version: '1.0.0',
    params: JSON.stringify({ message: 'hi' }),
    status: 'success' as const,
    outcome_category: null,
    outcome_code: 'OK',
    outcome_data: JSON.stringify({ message: 'hi' }),
    error: null,
    cost_cents: 0,
    duration_ms: 1,
    retry_count: 0,
    replay_behavior: 'execute' as const,
    started_at: new Date(),
    completed_at: new Date(),
    leaf_hash: HEX('1'),
    prev_hash: HEX('2'),
    step_hash: HEX('3'),
  };
}

const SEAL_COLUMNS = {
  root_hash: HEX('c'),
  merkle_root: HEX('d'),
  chain_length: 1,
  checkpoint: 'note',
  header_envelope: '{}',
  header_hash: HEX('a'),
  outcome_envelope: '{}',
  outcome_hash: HEX('b'),
};

/** Completion and seal in one update: the only way the trigger lets a trace be sealed. */
async function seal(db: Kysely<Database>, traceId: string): Promise<void> {
  await db
    .updateTable('aos_traces')
    .set({ status: 'completed', completed_at: new Date(), metadata: '{}', ...SEAL_COLUMNS, sealed_at: new Date() })
    .where('trace_id', '=', traceId)
    .execute();
}

describeEachDriver('§3.2 immutability triggers', (t) => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    db = await t.db();
  });

  it('appends steps in order and refuses a gap or a duplicate index', async () => {
    const { runId, traceId } = await seedRun(db);
    await db
      .insertInto('aos_trace_steps')
      .values(step(traceId, runId, 0))
      .execute();
    await db
      .insertInto('aos_trace_steps')
      .values(step(traceId, runId, 1))
      .execute();
    await expect(
      db
        .insertInto('aos_trace_steps')
        .values(step(traceId, runId, 3))
        .execute(),
    ).rejects.toThrow(/step_index must be 2 \(no gaps, no duplicates\), got 3/);
    await expect(
      db
        .insertInto('aos_trace_steps')
        .values(step(traceId, runId, 1))
        .execute(),
    ).rejects.toThrow(/step_index must be 2/);
  });

  it('refuses updating or deleting a step', async () => {
    const { runId, traceId } = await seedRun(db);
    await db
      .insertInto('aos_trace_steps')
      .values(step(traceId, runId, 0))
      .execute();
    await expect(
      db.updateTable('aos_trace_steps').set({ error: 'x' }).where('trace_id', '=', traceId).execute(),
    ).rejects.toThrow(/append-only: UPDATE of a trace step is refused/);
    await expect(db.deleteFrom('aos_trace_steps').where('trace_id', '=', traceId).execute()).rejects.toThrow(
      /append-only: DELETE of a trace step is refused/,
    );
    await expect(sql`TRUNCATE aos_trace_steps`.execute(db)).rejects.toThrow(/append-only/);
  });

  it('refuses a step whose tenant or run differs from its trace', async () => {
    const { runId, traceId } = await seedRun(db);
    await expect(
      db
        .insertInto('aos_trace_steps')
        .values(step(traceId, runId, 0, 'tenant-b'))
        .execute(),
    ).rejects.toThrow(/run_id and tenant_id must match/);
  });

  it('allows completion once and sealing once, then refuses every change', async () => {
    const { runId, traceId } = await seedRun(db);
    await db
      .insertInto('aos_trace_steps')
      .values(step(traceId, runId, 0))
      .execute();
    await seal(db, traceId);
    const sealed = await db
      .selectFrom('aos_traces')
      .selectAll()
      .where('trace_id', '=', traceId)
      .executeTakeFirstOrThrow();
    expect(sealed.status).toBe('completed');
    expect(sealed.root_hash).toBe(HEX('c'));
    await expect(
      db
        .insertInto('aos_trace_steps')
        .values(step(traceId, runId, 1))
        .execute(),
    ).rejects.toThrow(/append refused: trace .* is sealed/);
    await expect(
      db
        .updateTable('aos_traces')
        .set({ root_hash: HEX('e') })
        .where('trace_id', '=', traceId)
        .execute(),
    ).rejects.toThrow(/sealed trace .* is immutable/);
    await expect(
      db.updateTable('aos_traces').set({ metadata: '{"x":1}' }).where('trace_id', '=', traceId).execute(),
    ).rejects.toThrow(/sealed trace .* is immutable/);
  });

  it('refuses sealing without completing, sealing partially, sealing after completion, and a second completion', async () => {
    const { traceId } = await seedRun(db);
    await expect(
      db
        .updateTable('aos_traces')
        .set({ ...SEAL_COLUMNS, sealed_at: new Date() })
        .where('trace_id', '=', traceId)
        .execute(),
    ).rejects.toThrow(/sealing refused: trace .* is sealed only in the update that completes it/);
    await db
      .updateTable('aos_traces')
      .set({ status: 'failed', completed_at: new Date(), metadata: '{}' })
      .where('trace_id', '=', traceId)
      .execute();
    await expect(
      db
        .updateTable('aos_traces')
        .set({ root_hash: HEX('c') })
        .where('trace_id', '=', traceId)
        .execute(),
    ).rejects.toThrow(/set together/);
    // A trace that finished unsealed (its seal refused, or removed) is never sealed afterwards.
    await expect(
      db
        .updateTable('aos_traces')
        .set({ ...SEAL_COLUMNS, sealed_at: new Date() })
        .where('trace_id', '=', traceId)
        .execute(),
    ).rejects.toThrow(/never sealed twice/);
    await expect(
      db
        .updateTable('aos_traces')
        .set({ status: 'completed', completed_at: new Date() })
        .where('trace_id', '=', traceId)
        .execute(),
    ).rejects.toThrow(/status can only go from running to a terminal status/);
  });

  it('refuses changing a trace identity or plan hash and appending to a completed trace', async () => {
    const { runId, traceId } = await seedRun(db);
    await expect(
      db.updateTable('aos_traces').set({ tenant_id: 'tenant-b' }).where('trace_id', '=', traceId).execute(),
    ).rejects.toThrow(/trace identity is immutable/);
    await expect(
      db
        .updateTable('aos_traces')
        .set({ plan_hash: HEX('f') })
        .where('trace_id', '=', traceId)
        .execute(),
    ).rejects.toThrow(/trace identity is immutable/);
    await db
      .updateTable('aos_traces')
      .set({ status: 'aborted', completed_at: new Date(), metadata: '{}' })
      .where('trace_id', '=', traceId)
      .execute();
    await expect(
      db
        .insertInto('aos_trace_steps')
        .values(step(traceId, runId, 0))
        .execute(),
    ).rejects.toThrow(/is aborted, not running/);
  });

  it('refuses deleting a trace', async () => {
    const { traceId } = await seedRun(db);
    await expect(db.deleteFrom('aos_traces').where('trace_id', '=', traceId).execute()).rejects.toThrow(
      /traces are never deleted/,
    );
    await expect(sql`TRUNCATE aos_traces CASCADE`.execute(db)).rejects.toThrow(/never deleted|append-only/);
  });

  it("refuses changing a run's tenant, agent, goal or origin, and allows its status to move", async () => {
    const { runId, agentId } = await seedRun(db);
    const other = await db
      .insertInto('agents')
      .values({ name: 'other', tenant_id: null, budget_cents: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const change of [
      { tenant_id: 'tenant-b' },
      { agent_id: other.id },
      { goal: 'other goal' },
      { origin_system_id: 'elsewhere' },
    ]) {
      await expect(db.updateTable('runs').set(change).where('id', '=', runId).execute()).rejects.toThrow(
        /run identity is immutable/,
      );
    }
    await db.updateTable('runs').set({ status: 'running', attempts: 1 }).where('id', '=', runId).execute();
    const run = await db
      .selectFrom('runs')
      .select(['status', 'agent_id'])
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(run).toEqual({ status: 'running', agent_id: agentId });
  });

  it('refuses a run without tenant, with an empty or legacy origin, or a duplicate idempotency key', async () => {
    const agent = await db
      .insertInto('agents')
      .values({ name: 'constraints', tenant_id: null, budget_cents: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const base = {
      agent_id: agent.id,
      goal: 'g',
      error_message: null,
      plan_json: null,
      plan_hash: null,
      duration_ms: null,
    };
    await expect(
      sql`INSERT INTO runs (agent_id, origin_system_id, goal) VALUES (${agent.id}, 'x', 'g')`.execute(db),
    ).rejects.toThrow(/null value in column "tenant_id"/);
    await expect(
      db
        .insertInto('runs')
        .values({ ...base, tenant_id: 't', origin_system_id: '', idempotency_key: null })
        .execute(),
    ).rejects.toThrow(/runs_origin_system_id_valid/);
    await expect(
      db
        .insertInto('runs')
        .values({ ...base, tenant_id: 't', origin_system_id: '   ', idempotency_key: null })
        .execute(),
    ).rejects.toThrow(/runs_origin_system_id_valid/);
    await expect(
      db
        .insertInto('runs')
        .values({ ...base, tenant_id: 't', origin_system_id: 'legacy-migration', idempotency_key: null })
        .execute(),
    ).rejects.toThrow(/runs_origin_system_id_valid/);
    await expect(
      sql`INSERT INTO runs (tenant_id, agent_id, goal) VALUES ('t', ${agent.id}, 'g')`.execute(db),
    ).rejects.toThrow(/null value in column "origin_system_id"/);
    const key = `k-${randomUUID()}`;
    await db
      .insertInto('runs')
      .values({ ...base, tenant_id: 't', origin_system_id: 'o', idempotency_key: key })
      .execute();
    await expect(
      db
        .insertInto('runs')
        .values({ ...base, tenant_id: 't', origin_system_id: 'o', idempotency_key: key })
        .execute(),
    ).rejects.toThrow(/runs_tenant_idempotency_key_unique/);
    await db
      .insertInto('runs')
      .values({ ...base, tenant_id: 'other-tenant', origin_system_id: 'o', idempotency_key: key })
      .execute();
  });

  it('returns the same JS values on both drivers for bigint, float8, jsonb and timestamptz', async () => {
    const when = new Date('2026-02-09T18:12:00.986Z');
    const agent = await db
      .insertInto('agents')
      .values({
        name: 'types',
        tenant_id: 't',
        budget_cents: 9007199254740991,
        spent_cents: 0.1 + 0.2,
        created_at: when,
      } as never)
      .returning(['budget_cents', 'spent_cents', 'created_at'])
      .executeTakeFirstOrThrow();
    expect(agent).toEqual({ budget_cents: 9007199254740991, spent_cents: 0.30000000000000004, created_at: when });
    const counted = await sql<{
      n: number;
      s: number;
    }>`SELECT count(*) AS n, sum(1::bigint) AS s FROM agents WHERE id IS NOT NULL`.execute(db);
    expect(typeof counted.rows[0]?.n).toBe('number');
    expect(typeof counted.rows[0]?.s).toBe('number');
  });
});
