import {
  AgentViewSchema,
  ApiErrorBodySchema,
  CreatedRunViewSchema,
  RunListViewSchema,
  type RunListView,
} from '@aos/core/contract';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createAppFixture, type AppFixture } from './app-fixture';

// GET /v1/runs a page at a time: `next_cursor` walks the tenant's runs newest first, every run
// once, and a cursor never widens what a key can read.

describe.skipIf(!inject('aosServerAvailable'))('GET /v1/runs pages [server]', () => {
  let t: AppFixture;
  const keys: Record<string, string> = {};
  const created: Record<string, string[]> = { acme: [], globex: [] };

  const list = async (tenant: string, query: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/runs?${query}`, headers: bearer(keys[tenant]!) });
    return { res, page: res.statusCode === 200 ? RunListViewSchema.parse(res.json()) : null };
  };

  beforeAll(async () => {
    t = await createAppFixture();
    for (const [tenant, count] of [
      ['acme', 5],
      ['globex', 3],
    ] as const) {
      await t.tenant(tenant);
      keys[tenant] = await t.key(tenant);
      const agent = await t.app.inject({
        method: 'POST',
        url: '/v1/agents',
        headers: bearer(keys[tenant]),
        payload: { name: 'pager' },
      });
      const agentId = AgentViewSchema.parse(agent.json()).id;
      for (let i = 0; i < count; i += 1) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/runs',
          headers: bearer(keys[tenant]),
          payload: { agent_id: agentId, goal: `echo ${tenant} ${i}` },
        });
        created[tenant]!.push(CreatedRunViewSchema.parse(res.json()).run.id);
      }
    }
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('walks 5 runs by 2 as 2 + 2 + 1, newest first, then next_cursor null', async () => {
    const pages: RunListView[] = [];
    let query = 'limit=2';
    for (;;) {
      const { res, page } = await list('acme', query);
      expect(res.statusCode, res.body).toBe(200);
      pages.push(page!);
      if (page!.next_cursor === null) break;
      query = `limit=2&cursor=${encodeURIComponent(page!.next_cursor)}`;
    }
    expect(pages.map((p) => p.runs.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.runs.map((r) => r.id))).toEqual([...created.acme!].reverse());
    expect((await list('acme', 'limit=5')).page?.next_cursor).toBeNull();
  });

  it("a cursor from another tenant's page lists only the key's own tenant", async () => {
    const { page: theirs } = await list('globex', 'limit=1');
    const { page: mine } = await list('acme', `limit=100&cursor=${theirs!.next_cursor!}`);
    expect(mine!.runs.every((r) => r.tenant_id === 'acme')).toBe(true);
    expect(mine!.runs.map((r) => r.id)).not.toContain(created.globex![1]);
  });

  it('refuses a malformed cursor: 400 INVALID_INPUT naming cursor', async () => {
    for (const cursor of ['garbage!', 'eyJ4IjoxfQ']) {
      const { res } = await list('acme', `cursor=${encodeURIComponent(cursor)}`);
      expect(res.statusCode, res.body).toBe(400);
      const { error } = ApiErrorBodySchema.parse(res.json());
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.message).toContain('cursor');
    }
  });

  it('documents the cursor in /openapi.json', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, { get?: { parameters?: { name: string; in: string }[] } }>;
    }>();
    expect(doc.paths['/v1/runs']?.get?.parameters).toContainEqual(
      expect.objectContaining({ name: 'cursor', in: 'query' }),
    );
  });
});
