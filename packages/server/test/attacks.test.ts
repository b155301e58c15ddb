import { AgentViewSchema, ApiErrorBodySchema, CreatedRunViewSchema } from '@aos/core/contract';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createAppFixture, type AppFixture } from './app-fixture';

// Each test attacks one rule of the API and fails when the rule stops holding.

const MISSING_RUN = '00000000-0000-4000-8000-000000000000';

describe.skipIf(!inject('aosServerAvailable'))('aos-server refuses [server]', () => {
  let t: AppFixture;
  let key: string;
  let globexKey: string;
  let agentId: string;
  let runId: string;

  const rows = async (table: 'runs' | 'agents' | 'tenant_secrets') =>
    Number(
      (
        await t.admin.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await createAppFixture({ rateLimitMax: 1000 });
    await t.tenant('acme');
    await t.tenant('globex');
    key = await t.key('acme');
    globexKey = await t.key('globex');
    const agent = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: bearer(key),
      payload: { name: 'a' },
    });
    agentId = AgentViewSchema.parse(agent.json()).id;
    const run = await t.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: bearer(key),
      payload: { agent_id: agentId, goal: 'echo private' },
    });
    runId = CreatedRunViewSchema.parse(run.json()).run.id;
    // Let it seal, so the bundle and step proof of acme's run exist.
    await t.app.inject({ method: 'GET', url: `/v1/runs/${runId}/events`, headers: bearer(key) });
  });
  afterAll(async () => {
    await t?.destroy();
  });

  const errorOf = (res: { statusCode: number; json(): unknown }) => ApiErrorBodySchema.parse(res.json()).error;

  it('no key, a malformed key, an unknown key and a revoked key: 401 with WWW-Authenticate', async () => {
    const revoked = await t.key('acme');
    await t.revoke(revoked);
    const unknown = `aos_${'a'.repeat(12)}_${'A'.repeat(43)}`;
    for (const headers of [
      {},
      { authorization: 'Basic Zm9vOmJhcg==' },
      bearer('nope'),
      bearer(unknown),
      bearer(revoked),
    ]) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/runs', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(errorOf(res).code).toBe('UNAUTHENTICATED');
    }
  });

  it('a key without the scope a route needs: 403, and nothing is written', async () => {
    const reader = await t.key('acme', ['runs:read']);
    const before = await rows('runs');
    const post = await t.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: bearer(reader),
      payload: { agent_id: agentId, goal: 'echo no' },
    });
    expect(post.statusCode).toBe(403);
    expect(errorOf(post).code).toBe('FORBIDDEN');
    expect(await rows('runs')).toBe(before);
    const routes = [
      ['GET', `/v1/runs/${runId}/bundle`],
      ['GET', `/v1/runs/${runId}/proof`],
      ['GET', `/v1/runs/${runId}/steps/0/proof`],
      ['GET', '/v1/secrets'],
      ['PUT', '/v1/secrets/X'],
      ['POST', '/v1/agents'],
    ] as const;
    for (const [method, url] of routes) {
      const res = await t.app.inject({
        method,
        url,
        headers: bearer(reader),
        payload: method === 'GET' ? undefined : {},
      });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    const writer = await t.key('acme', ['runs:write']);
    expect((await t.app.inject({ method: 'GET', url: '/v1/runs', headers: bearer(writer) })).statusCode).toBe(403);
    // whoami takes any valid key.
    expect((await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(writer) })).statusCode).toBe(200);
  });

  it("a suspended tenant's keys: 403", async () => {
    await t.tenant('initech');
    const initech = await t.key('initech');
    expect((await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(initech) })).statusCode).toBe(200);
    await t.suspend('initech');
    const res = await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(initech) });
    expect(res.statusCode).toBe(403);
    expect(errorOf(res)).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/suspended/) as unknown });
  });

  it("another tenant's run id answers exactly what a missing run does (run, events, bundle, step proof, proof)", async () => {
    for (const path of ['', '/events', '/bundle', '/steps/0/proof', '/proof']) {
      const theirs = await t.app.inject({ method: 'GET', url: `/v1/runs/${runId}${path}`, headers: bearer(globexKey) });
      const missing = await t.app.inject({
        method: 'GET',
        url: `/v1/runs/${MISSING_RUN}${path}`,
        headers: bearer(globexKey),
      });
      expect(theirs.statusCode, path).toBe(404);
      expect(missing.statusCode, path).toBe(404);
      // The message names the id asked for and nothing else: with the ids swapped the bodies are equal.
      expect(theirs.body.replaceAll(runId, '<id>'), path).toBe(missing.body.replaceAll(MISSING_RUN, '<id>'));
      expect(theirs.body).not.toContain('acme');
      expect(errorOf(theirs).code).toBe('RUN_NOT_FOUND');
    }
  });

  it('a body over 1 MiB: 413, nothing written', async () => {
    const before = await rows('runs');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: JSON.stringify({ agent_id: agentId, goal: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).code).toBe('PAYLOAD_TOO_LARGE');
    expect(await rows('runs')).toBe(before);
  });

  it('NUL in a body value or key, a query or a header: 400 before the facade, nothing written', async () => {
    const before = { runs: await rows('runs'), agents: await rows('agents'), secrets: await rows('tenant_secrets') };
    const attempts = [
      { method: 'POST', url: '/v1/runs', payload: `{"agent_id":"${agentId}","goal":"echo \\u0000 hi"}` },
      { method: 'POST', url: '/v1/runs', payload: `{"agent_id":"${agentId}","goal":"echo","x\\u0000":1}` },
      { method: 'POST', url: '/v1/agents', payload: '{"name":"evil\\u0000"}' },
      { method: 'PUT', url: '/v1/secrets/TOKEN', payload: '{"value":"a\\u0000b"}' },
      { method: 'GET', url: '/v1/runs?status=queued%00' },
    ] as const;
    for (const attempt of attempts) {
      const res = await t.app.inject({
        method: attempt.method,
        url: attempt.url,
        headers: { ...bearer(key), 'content-type': 'application/json' },
        payload: 'payload' in attempt ? attempt.payload : undefined,
      });
      expect(res.statusCode, attempt.url).toBe(400);
      expect(errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/NUL/) as unknown });
    }
    const header = await t.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: { ...bearer(key), 'idempotency-key': 'k\u0000' },
      payload: { agent_id: agentId, goal: 'echo header' },
    });
    expect(header.statusCode).toBe(400);
    expect({ runs: await rows('runs'), agents: await rows('agents'), secrets: await rows('tenant_secrets') }).toEqual(
      before,
    );
  });

  it('nesting 65 deep: 400; 64 deep reaches the schema', async () => {
    const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
    const deep = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: `{"name":"n","description":${nested(64)}}`,
    });
    expect(deep.statusCode).toBe(400);
    expect(errorOf(deep).message).toMatch(/nested deeper than 64/);
    const fine = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: `{"name":"n","description":${nested(63)}}`,
    });
    expect(fine.statusCode).toBe(400);
    expect(errorOf(fine).message).toMatch(/^body\.description: /);
  });

  it('every error is the one envelope: unknown route 404, wrong media type 415, bad JSON 400', async () => {
    const unknown = await t.app.inject({ method: 'GET', url: '/v1/nope' });
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown).code).toBe('NOT_FOUND');
    const media = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: { ...bearer(key), 'content-type': 'text/plain' },
      payload: 'name=x',
    });
    expect(media.statusCode).toBe(415);
    expect(errorOf(media).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const json = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: { ...bearer(key), 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(json.statusCode).toBe(400);
    expect(errorOf(json).code).toBe('INVALID_INPUT');
    const strict = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: bearer(key),
      payload: { name: 'x', tenant_id: 'globex' },
    });
    expect(strict.statusCode).toBe(400);
  });
});

describe.skipIf(!inject('aosServerAvailable'))('aos-server rate limit [server]', () => {
  let t: AppFixture;
  beforeAll(async () => {
    t = await createAppFixture({ rateLimitMax: 3, rateLimitWindowMs: 60_000 });
    await t.tenant('acme');
  });
  afterAll(async () => {
    await t?.destroy();
  });

  it('per key: the fourth request in the window is 429 with Retry-After; another key is unaffected', async () => {
    const [first, second] = [await t.key('acme'), await t.key('acme')];
    for (let i = 0; i < 3; i += 1) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(first) })).statusCode).toBe(200);
    }
    const limited = await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(first) });
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(ApiErrorBodySchema.parse(limited.json()).error.code).toBe('RATE_LIMITED');
    expect((await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(second) })).statusCode).toBe(200);
  });

  it('without a valid key, by address: guessing keys is limited too', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/v1/runs',
        headers: bearer(`guess-${i}`),
        remoteAddress: '10.9.9.9',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
