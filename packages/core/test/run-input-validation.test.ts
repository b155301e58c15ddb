import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import { createAgent, setAgentStatus, type Database } from '@aos/core/testing';
import { createRun } from '@aos/core/runs';

async function rowCounts(db: Kysely<Database>) {
  const r = await sql<{ runs: number; traces: number; steps: number; costs: number }>`
    SELECT (SELECT count(*) FROM runs)::int AS runs, (SELECT count(*) FROM aos_traces)::int AS traces,
           (SELECT count(*) FROM aos_trace_steps)::int AS steps, (SELECT count(*) FROM cost_events)::int AS costs`.execute(
    db,
  );
  return r.rows[0];
}

describeEachDriver('run creation refuses bad input and writes nothing', (t) => {
  let db: Kysely<Database>;
  let agentId: string;
  const tenant = `tenant-${randomUUID()}`;
  beforeAll(async () => {
    db = await t.db();
    agentId = (await createAgent(db, { name: 'validator', tenantId: tenant })).id;
  });

  const cases: [string, () => Record<string, unknown>, string, RegExp][] = [
    [
      'unknown agent',
      () => ({ tenantId: tenant, agentId: randomUUID(), goal: 'echo hi' }),
      'AGENT_NOT_FOUND',
      /agent .* not found for tenant/,
    ],
    [
      'blank goal',
      () => ({ tenantId: tenant, agentId, goal: '   ' }),
      'INVALID_INPUT',
      /^invalid run\.goal: must not be blank$/,
    ],
    [
      'goal over 64 KiB of UTF-8',
      // 21846 three-byte characters: within 64 Ki UTF-16 units, over 64 KiB of UTF-8.
      () => ({ tenantId: tenant, agentId, goal: '€'.repeat(21_846) }),
      'INVALID_INPUT',
      /^invalid run\.goal: must be at most 65536 bytes \(64 KiB\) of UTF-8, got 65538$/,
    ],
    [
      'bad UUID',
      () => ({ tenantId: tenant, agentId: 'not-a-uuid', goal: 'echo hi' }),
      'INVALID_INPUT',
      /^invalid run\.agentId: must be a UUID$/,
    ],
    ['NUL byte in goal', () => ({ tenantId: tenant, agentId, goal: 'echo a\u0000b' }), 'INVALID_INPUT', /NUL/],
    [
      'empty tenant',
      () => ({ tenantId: '', agentId, goal: 'echo hi' }),
      'INVALID_INPUT',
      /^invalid run\.tenantId: must not be empty$/,
    ],
    [
      'legacy origin',
      () => ({ tenantId: tenant, agentId, goal: 'echo hi', originSystemId: 'legacy-migration' }),
      'INVALID_INPUT',
      /reserved/,
    ],
    [
      'unknown field',
      () => ({ tenantId: tenant, agentId, goal: 'echo hi', params: { x: 1 } }),
      'INVALID_INPUT',
      /^invalid run/,
    ],
  ];

  for (const [name, input, code, message] of cases) {
    it(`${name} → ${code}, nothing written`, async () => {
      const before = await rowCounts(db);
      const error = await createRun(db, input() as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ code });
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
      expect(await rowCounts(db)).toEqual(before);
    });
  }

  it("another tenant's agent looks exactly like a missing one", async () => {
    const theirs = await createAgent(db, { name: 'theirs', tenantId: `other-${randomUUID()}` });
    const before = await rowCounts(db);
    await expect(createRun(db, { tenantId: tenant, agentId: theirs.id, goal: 'echo hi' })).rejects.toMatchObject({
      code: 'AGENT_NOT_FOUND',
    });
    expect(await rowCounts(db)).toEqual(before);
  });

  it('a paused agent cannot run; a shared agent can', async () => {
    const paused = await createAgent(db, { name: 'paused', tenantId: tenant });
    await setAgentStatus(db, paused.id, 'paused');
    const before = await rowCounts(db);
    await expect(createRun(db, { tenantId: tenant, agentId: paused.id, goal: 'echo hi' })).rejects.toThrow(
      /is paused; only active agents/,
    );
    expect(await rowCounts(db)).toEqual(before);
    const shared = await createAgent(db, { name: 'shared' });
    const { run } = await createRun(db, { tenantId: tenant, agentId: shared.id, goal: 'echo hi' });
    expect(run).toMatchObject({ status: 'queued', tenant_id: tenant, origin_system_id: 'cus-cli', attempts: 0 });
  });
});
