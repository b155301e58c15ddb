import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey } from '@aos/proof';
import { startApiProxy, startTestAosServer, type TestAosServer } from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aos } from '@aos/core';
import { connectAos, fetchPublishedKeys, type RemoteAos } from '@aos/core/client';
import { ProofReportSchema } from '@aos/core/contract';
import type { RunEvent } from '@aos/core/client';

let server: TestAosServer;
let pinned: string[];
let agentId: string;

beforeAll(async () => {
  server = await startTestAosServer();
  pinned = (await fetchPublishedKeys({ apiUrl: server.url })).keys;
  const aos = connectAos({ apiUrl: server.url, apiKey: server.apiKey, trustedKeys: pinned });
  agentId = (await aos.agents.create({ name: 'remote-helper', tenantId: server.tenantId })).id;
  await aos.close();
});
afterAll(async () => {
  await server?.stop();
});

const remote = (overrides: Partial<Parameters<typeof connectAos>[0]> = {}): RemoteAos =>
  connectAos({ apiUrl: server.url, apiKey: server.apiKey, trustedKeys: pinned, ...overrides });

describe('connectAos against a real aos-server', () => {
  it('implements the Aos interface: runs a goal and reports the local runner’s events', async () => {
    const aos: Aos = remote();
    const events: RunEvent[] = [];
    const outcome = await aos.runs.run(
      { tenantId: server.tenantId, agentId, goal: 'echo hello remote' },
      { onEvent: (e) => events.push(e) },
    );
    await aos.close();
    expect(outcome.run.status).toBe('succeeded');
    expect(outcome.created).toBe(true);
    expect(outcome.steps_executed).toBe(1);
    expect(events.map((e) => e.type)).toEqual([
      'planned',
      'attempt_started',
      'step_started',
      'step_finished',
      'finished',
    ]);
    expect(events.find((e) => e.type === 'step_finished')).toMatchObject({
      stepId: 's1',
      skill: 'echo',
      status: 'success',
    });
  });

  it('verifies a bundle itself against the pinned keys: VERIFIED, in the local report shape', async () => {
    const aos = remote();
    const { run } = await aos.runs.run({ tenantId: server.tenantId, agentId, goal: 'echo proof me' });
    const report = await aos.proofs.verify({ tenantId: server.tenantId, runId: run.id });
    expect(ProofReportSchema.parse(report).integrity.verification_status).toBe('VERIFIED');
    expect(report.trusted_keys.keys).toEqual(pinned);
    expect(report.step_count).toBe(1);
    const dir = mkdtempSync(join(tmpdir(), 'aos-export-'));
    try {
      const file = join(dir, 'run.proof.json');
      await aos.proofs.exportBundle({ tenantId: server.tenantId, runId: run.id, target: file });
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ format: 'aos.proof-bundle.v2' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await aos.close();
    }
  });

  it('a bundle with one byte changed by a peer in the middle is FAILED', async () => {
    const aos = remote();
    const { run } = await aos.runs.run({ tenantId: server.tenantId, agentId, goal: 'echo tamper target' });
    await aos.close();
    const proxy = await startApiProxy(server.url, (path, body) => {
      if (!path.endsWith('/bundle')) return null;
      const text = body.toString('utf8').replace('tamper target', 'tamper tarGet');
      return Buffer.from(text, 'utf8');
    });
    try {
      const report = await remote({ apiUrl: proxy.url }).proofs.verify({ tenantId: server.tenantId, runId: run.id });
      expect(report.integrity.verification_status).toBe('FAILED');
      expect(report.integrity.failure_reason).toBeTruthy();
    } finally {
      await proxy.stop();
    }
  });

  it('a genuine bundle is FAILED when the signing key is not pinned', async () => {
    const aos = remote({ trustedKeys: [generateSigningKey('someone.else').verifierKey] });
    const { run } = await aos.runs.run({ tenantId: server.tenantId, agentId, goal: 'echo unpinned' });
    const report = await aos.proofs.verify({ tenantId: server.tenantId, runId: run.id });
    await aos.close();
    expect(report.integrity.verification_status).toBe('FAILED');
    expect(report.integrity.signature_valid).toBe(false);
  });

  it('reads the key’s tenant budget over GET /v1/budget, and refuses another tenant', async () => {
    const aos = remote();
    const budget = await aos.budget.get({ tenantId: server.tenantId });
    expect(budget.quota).toMatchObject({ tenant_id: server.tenantId, source: 'default', hourly_limit_cents: 1_000 });
    expect(budget.spend).toEqual({ daily_cents: expect.any(Number), hourly_cents: expect.any(Number) });
    await expect(aos.budget.get({ tenantId: 'someone-else' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await aos.close();
  });

  it('refuses another tenant with INVALID_INPUT before sending anything but whoami', async () => {
    const proxy = await startApiProxy(server.url, () => null);
    try {
      const aos = remote({ apiUrl: proxy.url });
      await expect(aos.runs.create({ tenantId: 'someone-else', agentId, goal: 'echo no' })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      expect(proxy.requests).toEqual(['/v1/whoami']);
    } finally {
      await proxy.stop();
    }
  });

  it('maps HTTP errors to the local codes: bad key 401, wrong scope 403, missing run 404', async () => {
    await expect(remote({ apiKey: 'aos_000000000000_nope' }).whoami()).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const readOnly = await server.createApiKey({ scopes: ['runs:read'] });
    await expect(
      remote({ apiKey: readOnly }).agents.create({ name: 'x', tenantId: server.tenantId }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      remote().runs.get({ tenantId: server.tenantId, runId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
  });

  it('an answer that breaks the contract is one line naming the route and the field', async () => {
    const garbage = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ tenant_id: 'acme', key_id: 'not-a-uuid', prefix: 'p', scopes: [] }));
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
    try {
      const error = await remote({ apiUrl: url })
        .whoami()
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'API_BAD_RESPONSE' });
      expect((error as Error).message).toMatch(/^GET \/v1\/whoami: .*key_id: must be a lowercase UUID$/);
      expect((error as Error).message).not.toContain('\n');
    } finally {
      garbage.close();
    }
  });

  it('an unreachable server is one line naming the URL and what to check', async () => {
    const error = await remote({ apiUrl: 'http://127.0.0.1:9' })
      .whoami()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'API_UNREACHABLE' });
    expect((error as Error).message).toMatch(
      /^cannot reach the AOS API at http:\/\/127\.0\.0\.1:9 .*check AOS_API_URL/,
    );
  });
});
