import {
  AgentListViewSchema,
  AgentViewSchema,
  ApiErrorBodySchema,
  CreatedRunViewSchema,
  ProofReportSchema,
  RunDetailsViewSchema,
  RunEndEventSchema,
  RunListViewSchema,
  RunStatusEventSchema,
  RunStepEventSchema,
  SecretListViewSchema,
  SecretViewSchema,
  SetSecretOutcomeSchema,
  SkillListViewSchema,
  TrustedKeysViewSchema,
  WhoAmIViewSchema,
} from '@aos/core/contract';
import { StepInclusionProofSchema, verifyProofBundle, verifyStepInclusionProof } from '@aos/proof';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bearer, createAppFixture, type AppFixture } from './app-fixture';
import { createRun as createRunWithoutJob } from '@aos/core/runs';

// The HTTP API through app.inject, on a real Postgres server as a least-privilege role: every
// answer is parsed with its api-contract schema, so the server and the remote client cannot drift.

interface SseEvent {
  readonly event: string;
  readonly id: string | undefined;
  readonly data: unknown;
}

function parseSse(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .map((block) => block.split('\n').filter((line) => line !== '' && !line.startsWith(':')))
    .filter((lines) => lines.some((line) => line.startsWith('event: ')))
    .map((lines) => {
      const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
      return { event: field('event')!, id: field('id'), data: JSON.parse(field('data') ?? 'null') as unknown };
    });
}

describe.skipIf(!inject('aosServerAvailable'))('aos-server HTTP API [server]', () => {
  let t: AppFixture;
  let key: string;
  let agentId: string;

  beforeAll(async () => {
    t = await createAppFixture();
    await t.tenant('acme');
    await t.tenant('globex');
    key = await t.key('acme');
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/agents',
      headers: bearer(key),
      payload: { name: 'helper' },
    });
    expect(res.statusCode, res.body).toBe(201);
    agentId = AgentViewSchema.parse(res.json()).id;
  });
  afterAll(async () => {
    await t?.destroy();
  });

  const createRun = async (goal: string, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/runs',
      headers: { ...bearer(key), ...headers },
      payload: { agent_id: agentId, goal },
    });
    return { res, view: CreatedRunViewSchema.parse(res.json()) };
  };
  const events = async (runId: string, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/v1/runs/${runId}/events`,
      headers: { ...bearer(key), ...headers },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    return parseSse(res.body);
  };

  it('whoami names the key and its tenant', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(key) });
    expect(res.statusCode).toBe(200);
    expect(WhoAmIViewSchema.parse(res.json())).toMatchObject({ tenant_id: 'acme', prefix: key.split('_')[1] });
  });

  it('agents: created for the key tenant and listed with it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/agents', headers: bearer(key) });
    expect(res.statusCode).toBe(200);
    const { agents } = AgentListViewSchema.parse(res.json());
    expect(agents.find((a) => a.id === agentId)?.tenant_id).toBe('acme');
  });

  it('POST /v1/runs → 201; the event stream shows the steps then end; Last-Event-ID skips seen steps', async () => {
    const { res, view } = await createRun('echo streamed');
    expect(res.statusCode).toBe(201);
    expect(view.created).toBe(true);
    expect(view.run.tenant_id).toBe('acme');
    const all = await events(view.run.id);
    const steps = all.filter((e) => e.event === 'step');
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(Number(step.id)).toBe(RunStepEventSchema.parse(step.data).step_index);
    for (const status of all.filter((e) => e.event === 'status')) RunStatusEventSchema.parse(status.data);
    const last = all.at(-1)!;
    expect(last.event).toBe('end');
    const end = RunEndEventSchema.parse(last.data);
    expect(end.run.status).toBe('succeeded');
    expect(end.steps).toBe(steps.length);

    const seen = steps[0]!.id!;
    const resumed = await events(view.run.id, { 'last-event-id': seen });
    const resumedSteps = resumed.filter((e) => e.event === 'step').map((e) => Number(e.id));
    expect(resumedSteps).toEqual(steps.slice(1).map((e) => Number(e.id)));
    expect(resumed.at(-1)?.event).toBe('end');
  });

  it('an idempotent repeat answers 200 with created:false and the same run', async () => {
    const first = await createRun('echo once', { 'idempotency-key': 'order-17' });
    const again = await createRun('echo once', { 'idempotency-key': 'order-17' });
    expect(first.res.statusCode).toBe(201);
    expect(again.res.statusCode).toBe(200);
    expect(again.view).toMatchObject({ created: false, run: { id: first.view.run.id } });
    await events(first.view.run.id);
  });

  it('runs: listed newest first, read with plan, trace and steps', async () => {
    const { view } = await createRun('echo listed');
    await events(view.run.id);
    const list = await t.app.inject({ method: 'GET', url: '/v1/runs?limit=2&status=succeeded', headers: bearer(key) });
    expect(list.statusCode).toBe(200);
    const { runs } = RunListViewSchema.parse(list.json());
    expect(runs[0]?.id).toBe(view.run.id);
    expect(runs.length).toBeLessThanOrEqual(2);
    const one = await t.app.inject({ method: 'GET', url: `/v1/runs/${view.run.id}`, headers: bearer(key) });
    expect(one.statusCode).toBe(200);
    const details = RunDetailsViewSchema.parse(one.json());
    expect(details.trace?.sealed_at).not.toBeNull();
    const bad = await t.app.inject({ method: 'GET', url: '/v1/runs?limit=0', headers: bearer(key) });
    expect(bad.statusCode).toBe(400);
    expect(ApiErrorBodySchema.parse(bad.json()).error.message).toMatch(/^querystring\.limit: /);
  });

  it('bundle: 409 PROOF_NOT_SEALED before the seal; after it, verifies against /v1/keys', async () => {
    const { view } = await createRun('echo sealed');
    const early = await t.app.inject({ method: 'GET', url: `/v1/runs/${view.run.id}/bundle`, headers: bearer(key) });
    if (early.statusCode !== 200) {
      expect(early.statusCode).toBe(409);
      expect(ApiErrorBodySchema.parse(early.json()).error.code).toBe('PROOF_NOT_SEALED');
    }
    await events(view.run.id);
    const keys = TrustedKeysViewSchema.parse((await t.app.inject({ method: 'GET', url: '/v1/keys' })).json());
    expect(keys.current).not.toBeNull();
    const res = await t.app.inject({ method: 'GET', url: `/v1/runs/${view.run.id}/bundle`, headers: bearer(key) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const verdict = verifyProofBundle(JSON.parse(res.body), { trustedKeys: keys.keys });
    expect(verdict.verification_status, verdict.failure_reason ?? '').toBe('VERIFIED');

    const step = await t.app.inject({
      method: 'GET',
      url: `/v1/runs/${view.run.id}/steps/0/proof`,
      headers: bearer(key),
    });
    expect(step.statusCode).toBe(200);
    const proof = StepInclusionProofSchema.parse(step.json());
    expect(verifyStepInclusionProof(proof, { trustedKeys: keys.keys }).verification_status).toBe('VERIFIED');

    const report = await t.app.inject({ method: 'GET', url: `/v1/runs/${view.run.id}/proof`, headers: bearer(key) });
    expect(report.statusCode).toBe(200);
    expect(ProofReportSchema.parse(report.json()).integrity.verification_status).toBe('VERIFIED');
  });

  it('a run queued but not yet sealed has no bundle: 409 PROOF_NOT_SEALED', async () => {
    // Created without its job (as a local CLI would), so no worker executes it.
    const { run } = await createRunWithoutJob(t.admin.forTenant('acme'), {
      tenantId: 'acme',
      agentId,
      goal: 'echo waiting',
    });
    const res = await t.app.inject({ method: 'GET', url: `/v1/runs/${run.id}/bundle`, headers: bearer(key) });
    expect(res.statusCode).toBe(409);
    expect(ApiErrorBodySchema.parse(res.json()).error.code).toBe('PROOF_NOT_SEALED');
    const step = await t.app.inject({ method: 'GET', url: `/v1/runs/${run.id}/steps/0/proof`, headers: bearer(key) });
    expect(step.statusCode).toBe(409);
    expect(ApiErrorBodySchema.parse(step.json()).error.code).toBe('PROOF_NOT_SEALED');
  });

  it('secrets: 201 created, 200 replaced, listed without values, deleted', async () => {
    const put = (value: string) =>
      t.app.inject({ method: 'PUT', url: '/v1/secrets/API_TOKEN', headers: bearer(key), payload: { value } });
    const created = await put('s3cret-value-1');
    expect(created.statusCode).toBe(201);
    expect(SetSecretOutcomeSchema.parse(created.json()).created).toBe(true);
    const replaced = await put('s3cret-value-2');
    expect(replaced.statusCode).toBe(200);
    expect(SetSecretOutcomeSchema.parse(replaced.json()).created).toBe(false);
    const list = await t.app.inject({ method: 'GET', url: '/v1/secrets', headers: bearer(key) });
    expect(SecretListViewSchema.parse(list.json()).secrets.map((s) => s.name)).toEqual(['API_TOKEN']);
    expect(list.body).not.toContain('s3cret');
    const deleted = await t.app.inject({ method: 'DELETE', url: '/v1/secrets/API_TOKEN', headers: bearer(key) });
    expect(SecretViewSchema.parse(deleted.json()).name).toBe('API_TOKEN');
    const again = await t.app.inject({ method: 'DELETE', url: '/v1/secrets/API_TOKEN', headers: bearer(key) });
    expect(again.statusCode).toBe(404);
    expect(ApiErrorBodySchema.parse(again.json()).error.code).toBe('SECRET_NOT_FOUND');
    expect(t.logs()).not.toContain('s3cret-value');
    expect(t.logs()).not.toContain(key);
  });

  it('skills, keys, healthz and readyz answer their documents', async () => {
    const skills = await t.app.inject({ method: 'GET', url: '/v1/skills', headers: bearer(key) });
    expect(SkillListViewSchema.parse(skills.json()).skills.length).toBeGreaterThan(0);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
      status: 'ready',
      tenant_log: { sequencer: 'active', last_error: null, witnesses: [] },
    });
  });

  it('one JSON log line per request, with route, status and key prefix, never the key', async () => {
    await t.app.inject({ method: 'GET', url: '/v1/whoami', headers: bearer(key) });
    const lines = t
      .logs()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const line = lines.filter((l) => l.msg === 'request' && l.route === '/v1/whoami').at(-1);
    expect(line).toMatchObject({ method: 'GET', status: 200, key_prefix: key.split('_')[1], tenant_id: 'acme' });
    expect(typeof line?.duration_ms).toBe('number');
  });

  it('/openapi.json is OpenAPI 3.1 and lists every route', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; paths: Record<string, Record<string, unknown>> }>();
    expect(doc.openapi).toMatch(/^3\.1\./);
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'GET /v1/keys',
        'GET /v1/log/checkpoint',
        'GET /v1/log/proof/consistency',
        'GET /v1/log/proof/inclusion',
        'GET /v1/whoami',
        'GET /v1/budget',
        'POST /v1/agents',
        'GET /v1/agents',
        'GET /v1/agents/{id}',
        'POST /v1/agents/{id}/pause',
        'POST /v1/agents/{id}/resume',
        'POST /v1/agents/{id}/archive',
        'POST /v1/runs',
        'GET /v1/runs',
        'GET /v1/runs/{id}',
        'POST /v1/runs/{id}/cancel',
        'GET /v1/runs/{id}/events',
        'GET /v1/runs/{id}/bundle',
        'GET /v1/runs/{id}/steps/{n}/proof',
        'GET /v1/runs/{id}/proof',
        'GET /v1/skills',
        'PUT /v1/secrets/{name}',
        'GET /v1/secrets',
        'DELETE /v1/secrets/{name}',
      ].sort(),
    );
  });
});
