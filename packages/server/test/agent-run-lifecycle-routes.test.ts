import {
  AgentListViewSchema,
  AgentViewSchema,
  ApiErrorBodySchema,
  CreatedRunViewSchema,
  RunViewSchema,
} from '@aos/core/contract';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createAppFixture, type AppFixture } from './app-fixture';

// Issue 16 over HTTP: GET /v1/agents a page at a time, GET /v1/agents/{id}, POST
// /v1/agents/{id}/pause|resume|archive and POST /v1/runs/{id}/cancel — scoped, and another
// tenant's agent or run answered exactly like a missing one.

describe.skipIf(!inject('aosServerAvailable'))('agent and run lifecycle routes [server]', () => {
  let t: AppFixture;
  let acme: string;
  let globex: string;
  let readOnly: string;

  const call = (method: 'GET' | 'POST', url: string, key: string, payload?: object) =>
    t.app.inject({ method, url, headers: bearer(key), ...(payload ? { payload } : {}) });
  const createAgent = async (key: string, name: string) =>
    AgentViewSchema.parse((await call('POST', '/v1/agents', key, { name })).json());
  const errorCode = (body: string) => ApiErrorBodySchema.parse(JSON.parse(body)).error.code;

  beforeAll(async () => {
    t = await createAppFixture();
    await t.tenant('acme');
    await t.tenant('globex');
    acme = await t.key('acme');
    globex = await t.key('globex');
    readOnly = await t.key('acme', ['runs:read']);
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('GET /v1/agents pages with limit and cursor; a bad cursor or limit is a 400', async () => {
    const ids = [];
    for (let i = 0; i < 3; i += 1) ids.push((await createAgent(globex, `pager-${i}`)).id);
    const first = await call('GET', '/v1/agents?limit=2', globex);
    expect(first.statusCode, first.body).toBe(200);
    const page1 = AgentListViewSchema.parse(first.json());
    expect(page1.agents.map((a) => a.id)).toEqual(ids.slice(0, 2));
    expect(page1.next_cursor).not.toBeNull();
    const second = await call('GET', `/v1/agents?limit=2&cursor=${page1.next_cursor}`, globex);
    const page2 = AgentListViewSchema.parse(second.json());
    expect(page2.agents.map((a) => a.id)).toEqual(ids.slice(2));
    expect(page2.next_cursor).toBeNull();
    // globex's cursor read with acme's key shows acme's agents only.
    const crossed = AgentListViewSchema.parse(
      (await call('GET', `/v1/agents?cursor=${page1.next_cursor}`, acme)).json(),
    );
    expect(crossed.agents.every((a) => a.tenant_id !== 'globex')).toBe(true);
    for (const query of ['cursor=nope', 'limit=0', 'limit=1001']) {
      const res = await call('GET', `/v1/agents?${query}`, globex);
      expect(res.statusCode, query).toBe(400);
      expect(errorCode(res.body)).toBe('INVALID_INPUT');
    }
  });

  it('pause, resume, archive: 200 with the agent; archived is final (409); a paused agent gets no run (409)', async () => {
    const agent = await createAgent(acme, 'cycle');
    expect(AgentViewSchema.parse((await call('GET', `/v1/agents/${agent.id}`, acme)).json())).toEqual(agent);
    const paused = await call('POST', `/v1/agents/${agent.id}/pause`, acme);
    expect(paused.statusCode, paused.body).toBe(200);
    expect(AgentViewSchema.parse(paused.json()).status).toBe('paused');
    const refused = await call('POST', '/v1/runs', acme, { agent_id: agent.id, goal: 'echo no' });
    expect(refused.statusCode).toBe(409);
    expect(errorCode(refused.body)).toBe('AGENT_NOT_ACTIVE');
    expect(AgentViewSchema.parse((await call('POST', `/v1/agents/${agent.id}/resume`, acme)).json()).status).toBe(
      'active',
    );
    expect(AgentViewSchema.parse((await call('POST', `/v1/agents/${agent.id}/archive`, acme)).json()).status).toBe(
      'archived',
    );
    const resumed = await call('POST', `/v1/agents/${agent.id}/resume`, acme);
    expect(resumed.statusCode).toBe(409);
    expect(errorCode(resumed.body)).toBe('AGENT_ARCHIVED');
  });

  it('needs runs:write to change an agent or cancel a run (403), runs:read to read one', async () => {
    const agent = await createAgent(acme, 'scoped');
    expect((await call('GET', `/v1/agents/${agent.id}`, readOnly)).statusCode).toBe(200);
    for (const action of ['pause', 'resume', 'archive']) {
      const res = await call('POST', `/v1/agents/${agent.id}/${action}`, readOnly);
      expect(res.statusCode, action).toBe(403);
    }
    const { run } = CreatedRunViewSchema.parse(
      (await call('POST', '/v1/runs', acme, { agent_id: agent.id, goal: 'echo scoped' })).json(),
    );
    expect((await call('POST', `/v1/runs/${run.id}/cancel`, readOnly)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: `/v1/agents/${agent.id}/pause` })).statusCode).toBe(401);
  });

  it("another tenant's agent and run are 404, exactly like missing ones, and stay untouched", async () => {
    const agent = await createAgent(acme, 'private');
    const { run } = CreatedRunViewSchema.parse(
      (await call('POST', '/v1/runs', acme, { agent_id: agent.id, goal: 'echo private' })).json(),
    );
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const [method, path] of [
      ['GET', `/v1/agents/{id}`],
      ['POST', `/v1/agents/{id}/pause`],
      ['POST', `/v1/agents/{id}/resume`],
      ['POST', `/v1/agents/{id}/archive`],
    ] as const) {
      const theirs = await call(method, path.replace('{id}', agent.id), globex);
      const none = await call(method, path.replace('{id}', missing), globex);
      expect([theirs.statusCode, none.statusCode], path).toEqual([404, 404]);
      expect(errorCode(theirs.body)).toBe('AGENT_NOT_FOUND');
      expect(theirs.body.replace(agent.id, '<id>')).toBe(none.body.replace(missing, '<id>'));
    }
    const theirs = await call('POST', `/v1/runs/${run.id}/cancel`, globex);
    const none = await call('POST', `/v1/runs/${missing}/cancel`, globex);
    expect([theirs.statusCode, none.statusCode]).toEqual([404, 404]);
    expect(theirs.body.replace(run.id, '<id>')).toBe(none.body.replace(missing, '<id>'));
    expect(AgentViewSchema.parse((await call('GET', `/v1/agents/${agent.id}`, acme)).json()).status).toBe('active');
    const after = await call('GET', `/v1/runs/${run.id}`, acme);
    expect(after.json<{ run: { status: string } }>().run.status).not.toBe('halted');
  });

  it('POST /v1/runs/{id}/cancel races the workers safely: halted "cancelled" or 409, never both; a finished run is 409', async () => {
    const agent = await createAgent(acme, 'cancel');
    const { run } = CreatedRunViewSchema.parse(
      (await call('POST', '/v1/runs', acme, { agent_id: agent.id, goal: 'echo race' })).json(),
    );
    // The fixture's in-process workers pick the run up at once: either the cancel takes it first,
    // or it is refused while a worker holds it (RUN_EXECUTING) or once it finished (RUN_FINISHED).
    const res = await call('POST', `/v1/runs/${run.id}/cancel`, acme);
    if (res.statusCode === 200) {
      expect(RunViewSchema.parse(res.json())).toMatchObject({ status: 'halted', error_message: 'cancelled' });
    } else {
      expect(res.statusCode, res.body).toBe(409);
      expect(['RUN_EXECUTING', 'RUN_FINISHED']).toContain(errorCode(res.body));
    }
    let details: { run: { status: string; error_message: string | null }; trace: { sealed_at: string | null } | null };
    for (;;) {
      details = (await call('GET', `/v1/runs/${run.id}`, acme)).json();
      if (['succeeded', 'failed', 'halted'].includes(details.run.status) && details.trace?.sealed_at) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(details.run.status).toBe(res.statusCode === 200 ? 'halted' : 'succeeded');
    const again = await call('POST', `/v1/runs/${run.id}/cancel`, acme);
    expect(again.statusCode).toBe(409);
    expect(errorCode(again.body)).toBe('RUN_FINISHED');
  });
});
