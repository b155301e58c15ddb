import type { Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import { listRuns, type Database } from '@aos/core/testing';

// Keyset pagination of a tenant's runs: every run once, in order, whatever the page size, with
// ties on created_at — down to the microsecond a JS Date cannot hold — broken by id.

const TENANT = 'pages-acme';
const OTHER = 'pages-other';

/** 25 runs: groups sharing one created_at, and neighbours a microsecond apart. */
function createdAtOf(i: number): string {
  const second = String(Math.floor(i / 3)).padStart(2, '0');
  return `2026-01-01T10:00:${second}.000${i % 3 === 2 ? '001' : '000'}Z`;
}

async function seedRuns(db: Kysely<Database>, tenant: string, count: number): Promise<void> {
  const agent = await db
    .insertInto('agents')
    .values({ name: 'pages', tenant_id: tenant, budget_cents: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const base = { tenant_id: tenant, agent_id: agent.id, origin_system_id: 'test', error_message: null };
  const extra = { plan_json: null, plan_hash: null, idempotency_key: null, duration_ms: null };
  await db
    .insertInto('runs')
    .values(Array.from({ length: count }, (_, i) => ({ ...base, ...extra, goal: `g${i}`, created_at: createdAtOf(i) })))
    .execute();
}

describeEachDriver('listRuns pages', (t) => {
  let expected: string[];

  beforeAll(async () => {
    const db = await t.db();
    await seedRuns(db, TENANT, 25);
    await seedRuns(db, OTHER, 25);
    // The order pages must follow, computed apart from listRuns: newest first, then by id.
    const rows = await db
      .selectFrom('runs')
      .select('id')
      .where('tenant_id', '=', TENANT)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .execute();
    expected = rows.map((r) => r.id);
  });

  it('pages 25 runs by 10 as 10 + 10 + 5, with no duplicate and no gap', async () => {
    const db = await t.tenantDb(TENANT);
    const first = await listRuns(db, { tenantId: TENANT, limit: 10 });
    expect(first.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await listRuns(db, { tenantId: TENANT, limit: 10, cursor: first.nextCursor! });
    const third = await listRuns(db, { tenantId: TENANT, limit: 10, cursor: second.nextCursor! });
    expect([first, second, third].map((p) => p.runs.length)).toEqual([10, 10, 5]);
    expect(third.nextCursor).toBeNull();
    const ids = [first, second, third].flatMap((p) => p.runs.map((r) => r.id));
    expect(ids).toEqual(expected);
    expect(new Set(ids).size).toBe(25);
    expect([first, second, third].flatMap((p) => p.runs.map((r) => r.tenant_id))).toEqual(Array(25).fill(TENANT));
  });

  it('breaks ties on created_at by id, at every page size', async () => {
    const db = await t.tenantDb(TENANT);
    for (const limit of [1, 2, 3, 4, 7, 24, 25]) {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await listRuns(db, { tenantId: TENANT, limit, cursor });
        ids.push(...page.runs.map((r) => r.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
      expect(ids, `limit ${limit}`).toEqual(expected);
    }
  });

  it("a cursor from another tenant's list reveals nothing: every page is still the tenant's own", async () => {
    const other = await listRuns(await t.tenantDb(OTHER), { tenantId: OTHER, limit: 10 });
    const mine = await listRuns(await t.tenantDb(TENANT), { tenantId: TENANT, limit: 100, cursor: other.nextCursor! });
    expect(mine.runs.every((r) => r.tenant_id === TENANT)).toBe(true);
    // The other tenant's rows are only a position in time: this tenant's runs older than it.
    expect(mine.runs.map((r) => r.id)).toEqual(expected.slice(-mine.runs.length));
    // Through the owner's connection too (no RLS): the tenant filter alone holds.
    const owner = await listRuns(await t.db(), { tenantId: TENANT, limit: 100, cursor: other.nextCursor! });
    expect(owner.runs.every((r) => r.tenant_id === TENANT)).toBe(true);
  });

  it('refuses a malformed cursor as INVALID_INPUT naming cursor', async () => {
    const db = await t.tenantDb(TENANT);
    const valid = (await listRuns(db, { tenantId: TENANT, limit: 1 })).nextCursor!;
    const json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const cursor of [
      '',
      'not a cursor!',
      `${valid}=`,
      valid.slice(0, -1),
      json({ createdAt: '2026-01-01T10:00:00.000000Z' }),
      json(['2026-01-01T10:00:00Z', '00000000-0000-4000-8000-000000000000']),
      json(['2026-13-45T10:00:00.000000Z', '00000000-0000-4000-8000-000000000000']),
      json(['2026-01-01T10:00:00.000000Z', 'nope']),
      'x'.repeat(1000),
    ]) {
      await expect(listRuns(db, { tenantId: TENANT, cursor }), cursor).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: expect.stringContaining('cursor') as unknown,
      });
    }
  });
});
