import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AgentViewSchema,
  ApiErrorBodySchema,
  CreatedRunViewSchema,
  ProofReportSchema,
  RunDetailsViewSchema,
  WhoAmIViewSchema,
} from '@aos/core/contract';
import {
  adminQuery,
  AOS_SERVER_BIN,
  AOS_SERVER_LISTENING,
  SERVER_ADMIN_URL,
  spawnNode,
  startTestAosServer,
} from '@aos/testkit';
import { describe, expect, inject, it } from 'vitest';
import { bearer, createAppFixture } from './app-fixture';

// The built binary as operators run it: refusals at start-up, request logs, graceful shutdown.

const home = (): string => mkdtempSync(join(tmpdir(), 'aos-server-proc-'));

describe('aos-server start-up refusals', () => {
  it('without DATABASE_URL (the embedded database): exit 1, one line saying what to set', async () => {
    const dir = home();
    try {
      const child = spawnNode([AOS_SERVER_BIN, '--port', '0'], { env: { AOS_HOME: dir, DATABASE_URL: '' } });
      const { code } = await child.exited;
      expect(code).toBe(1);
      expect(child.stderr().trim().split('\n')).toHaveLength(1);
      expect(child.stderr()).toMatch(/set DATABASE_URL/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad flag or environment value: refused before anything is opened', async () => {
    for (const port of ['eighty', '0x50', '65536']) {
      const flag = spawnNode([AOS_SERVER_BIN, '--port', port], { env: { DATABASE_URL: '' } });
      expect({ port, code: (await flag.exited).code }).toEqual({ port, code: 2 });
      expect(flag.stderr()).toBe('error: --port: must be a whole number from 0 to 65535\n');
    }
    for (const workers of ['-1', 'four', '2.5']) {
      const bad = spawnNode([AOS_SERVER_BIN, '--workers', workers], { env: { DATABASE_URL: '' } });
      expect({ workers, code: (await bad.exited).code }).toEqual({ workers, code: 2 });
      expect(bad.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^error: --workers: /)]);
    }
    const env = spawnNode([AOS_SERVER_BIN], { env: { DATABASE_URL: '', AOS_RATE_LIMIT_MAX: 'lots' } });
    expect((await env.exited).code).toBe(1);
    expect(env.stderr()).toMatch(/AOS_RATE_LIMIT_MAX=lots/);
  });
});

describe.skipIf(!inject('aosServerAvailable'))('aos-server process [server]', () => {
  it('a superuser DATABASE_URL: exit 1, stderr names the role', async () => {
    const dir = home();
    try {
      const child = spawnNode([AOS_SERVER_BIN, '--port', '0'], {
        env: { AOS_HOME: dir, DATABASE_URL: SERVER_ADMIN_URL },
      });
      expect((await child.exited).code).toBe(1);
      expect(child.stderr()).toMatch(/database role postgres is a superuser/);
      expect(child.stderr().trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a port in use: exit 1 naming the port', async () => {
    const t = await createAppFixture();
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as AddressInfo).port;
    try {
      const child = spawnNode([AOS_SERVER_BIN, '--port', String(port)], {
        env: { AOS_HOME: t.home, DATABASE_URL: t.role.url },
      });
      expect((await child.exited).code).toBe(1);
      expect(child.stderr()).toMatch(new RegExp(`port ${port} on 127.0.0.1 is in use`));
    } finally {
      busy.close();
      await t.destroy();
    }
  });

  it('/readyz answers 503 with the reason once the schema is not current', async () => {
    const t = await createAppFixture();
    try {
      expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      await adminQuery(
        'DELETE FROM aos_migrations WHERE name = (SELECT max(name) FROM aos_migrations)',
        t.database.url,
      );
      const res = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(res.statusCode).toBe(503);
      expect(ApiErrorBodySchema.parse(res.json()).error).toMatchObject({
        code: 'MIGRATION_FAILED',
        message: expect.stringMatching(/int-cli migrate/) as unknown,
      });
      expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await t.destroy();
    }
  });

  it('the testkit server: a key and a secret value never appear in the logs; one line per request', async () => {
    const server = await startTestAosServer();
    try {
      const headers = { ...bearer(server.apiKey), 'content-type': 'application/json' };
      const who = await fetch(`${server.url}/v1/whoami`, { headers });
      expect(WhoAmIViewSchema.parse(await who.json()).tenant_id).toBe(server.tenantId);
      const put = await fetch(`${server.url}/v1/secrets/SMTP_PASSWORD`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ value: 'hunter2-very-secret' }),
      });
      expect(put.status).toBe(201);
      const bad = await fetch(`${server.url}/v1/whoami`, { headers: bearer(`${server.apiKey}x`) });
      expect(bad.status).toBe(401);
      const other = await server.createApiKey({ scopes: ['runs:read'] });
      expect((await fetch(`${server.url}/v1/secrets`, { headers: bearer(other) })).status).toBe(403);
    } finally {
      await server.stop();
    }
    const logs = server.logs();
    expect(logs).not.toContain(server.apiKey);
    expect(logs).not.toContain('hunter2');
    const lines = logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.msg === 'request');
    expect(lines.map((l) => [l.method, l.route, l.status])).toEqual([
      ['GET', '/v1/whoami', 200],
      ['PUT', '/v1/secrets/:name', 201],
      ['GET', '/v1/whoami', 401],
      ['GET', '/v1/secrets', 403],
    ]);
    expect(lines[1]).toMatchObject({ key_prefix: server.apiKey.split('_')[1], tenant_id: server.tenantId });
  });

  it('SIGTERM: connections whose event streams a client stopped reading at `end` do not hold the shutdown', async () => {
    const server = await startTestAosServer();
    try {
      const headers = { ...bearer(server.apiKey), 'content-type': 'application/json' };
      const agent = AgentViewSchema.parse(
        await (await fetch(`${server.url}/v1/agents`, { method: 'POST', headers, body: '{"name":"streams"}' })).json(),
      );
      // As `cus-cli run --follow` and the bench do: read each stream until its `end` event, then stop.
      const followToEnd = async (): Promise<void> => {
        const created = CreatedRunViewSchema.parse(
          await (
            await fetch(`${server.url}/v1/runs`, {
              method: 'POST',
              headers,
              body: JSON.stringify({ agent_id: agent.id, goal: 'echo streamed' }),
            })
          ).json(),
        );
        const events = await fetch(`${server.url}/v1/runs/${created.run.id}/events`, { headers });
        let text = '';
        for await (const chunk of events.body!) {
          text += Buffer.from(chunk).toString('utf8');
          if (text.includes('event: end')) break;
        }
      };
      await Promise.all(Array.from({ length: 8 }, followToEnd));
      await Promise.all(Array.from({ length: 8 }, followToEnd));
      // Without closing them, the server waited out the keep-alive timeout (~70 s); the testkit
      // kills it after 15 s and "stopped" is never printed.
      await server.stop();
      expect(server.logs()).toMatch(/aos-server: stopped/);
    } finally {
      await server.stop();
    }
  });

  it('SIGTERM: a keep-alive connection whose request finishes during the shutdown does not hold it', async () => {
    const server = await startTestAosServer();
    // A client that keeps its connection open between requests (as fetch and curl do). Its request
    // is in flight at the signal, so the connection is not idle when closing starts; once answered
    // it is, and without closing it then the server would wait out Fastify's 72 s keep-alive
    // timeout (the testkit kills it after 15 s, and "stopped" is never printed).
    const agent = new Agent({ keepAlive: true, keepAliveMsecs: 60_000 });
    try {
      const url = new URL(server.url);
      const body = JSON.stringify({ name: 'keep-alive' });
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            path: '/v1/agents',
            method: 'POST',
            headers: {
              ...bearer(server.apiKey),
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 5));
        setTimeout(() => {
          void server.stop();
          setTimeout(() => req.end(body.slice(5)), 300);
        }, 300);
      });
      expect(status).toBe(201);
      await server.stop();
      expect(server.logs()).toMatch(/aos-server: stopped/);
    } finally {
      agent.destroy();
      await server.stop();
    }
  }, 40_000);

  it('SIGTERM: an in-flight request finishes (201, the run queued), the server exits 0, and the run executes', async () => {
    const t = await createAppFixture();
    try {
      await t.tenant('acme');
      const key = await t.key('acme');
      const agent = await t.app.inject({
        method: 'POST',
        url: '/v1/agents',
        headers: bearer(key),
        payload: { name: 'g' },
      });
      const agentId = AgentViewSchema.parse(agent.json()).id;
      const child = spawnNode([AOS_SERVER_BIN, '--port', '0'], { env: { AOS_HOME: t.home, DATABASE_URL: t.role.url } });
      await child.waitForStderr('aos-server listening on');
      const url = new URL(AOS_SERVER_LISTENING.exec(child.stderr())![1]!);
      const body = JSON.stringify({ agent_id: agentId, goal: 'echo after the signal' });
      // Half the body now, SIGTERM, the other half after: the request is in flight throughout.
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: '/v1/runs',
            method: 'POST',
            headers: { ...bearer(key), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 10));
        setTimeout(() => {
          child.child.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(10)), 300);
        }, 300);
      });
      const { status, text } = await answer;
      expect(status, text).toBe(201);
      const { run } = CreatedRunViewSchema.parse(JSON.parse(text));
      const { code } = await child.exited;
      expect(code, child.stderr()).toBe(0);
      expect(child.stderr()).toMatch(/aos-server: stopped/);
      // The run was queued with its job in the request's transaction: a worker executes it — the
      // draining server's, if it took the job before it stopped, or the fixture's otherwise.
      let details = await t.service.aos.runs.get({ tenantId: 'acme', runId: run.id });
      for (let i = 0; i < 300 && details.trace?.sealed_at == null; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        details = await t.service.aos.runs.get({ tenantId: 'acme', runId: run.id });
      }
      expect(details.run.status).toBe('succeeded');
      expect(details.trace?.sealed_at).not.toBeNull();
    } finally {
      await t.destroy();
    }
  });
});

describe.skipIf(!inject('aosServerAvailable'))('aos-server --workers 0 with an int-cli worker process [server]', () => {
  it('the API only queues; a separate worker process executes the run, which ends sealed, logged and VERIFIED', async () => {
    const server = await startTestAosServer({ args: ['--workers', '0'] });
    const intCli = fileURLToPath(new URL('../../int-cli/dist/bin.js', import.meta.url));
    let worker: ReturnType<typeof spawnNode> | undefined;
    try {
      expect(server.logs()).toContain('no worker: int-cli worker executes runs');
      const headers = { ...bearer(server.apiKey), 'content-type': 'application/json' };
      const agent = AgentViewSchema.parse(
        await (await fetch(`${server.url}/v1/agents`, { method: 'POST', headers, body: '{"name":"split"}' })).json(),
      );
      const created = CreatedRunViewSchema.parse(
        await (
          await fetch(`${server.url}/v1/runs`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ agent_id: agent.id, goal: 'echo split deployment' }),
          })
        ).json(),
      );
      // Nothing in the server executes it.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const waiting = RunDetailsViewSchema.parse(
        await (await fetch(`${server.url}/v1/runs/${created.run.id}`, { headers })).json(),
      );
      expect(waiting.run.status).toBe('queued');
      worker = spawnNode([intCli, 'worker', '--concurrency', '2'], {
        env: { DATABASE_URL: server.databaseUrl, AOS_HOME: server.home, NO_COLOR: '1' },
      });
      const events = await fetch(`${server.url}/v1/runs/${created.run.id}/events`, { headers });
      const stream = await events.text();
      const end = /event: end\ndata: (.*)\n/.exec(stream);
      expect(end).not.toBeNull();
      const ended = JSON.parse(end![1]!) as {
        run: { status: string };
        receipt: { leaf: { log_index: number } } | null;
      };
      expect(ended.run.status).toBe('succeeded');
      expect(ended.receipt?.leaf.log_index).toBe(0);
      const report = ProofReportSchema.parse(
        await (await fetch(`${server.url}/v1/runs/${created.run.id}/proof`, { headers })).json(),
      );
      expect(report.integrity.verification_status).toBe('VERIFIED');
      worker.child.kill('SIGTERM');
      expect(await worker.exited).toEqual({ code: 0, signal: null });
      expect(worker.stdout()).toContain(`run ${created.run.id} (tenant ${server.tenantId}) attempt 1: succeeded`);
    } finally {
      if (worker && worker.child.exitCode === null) worker.child.kill('SIGKILL');
      await server.stop();
    }
  }, 90_000);
});
