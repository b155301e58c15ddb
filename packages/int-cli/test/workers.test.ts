import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeSigningKey, generateSigningKey } from '@aos/proof';
import { getRunProof } from '@aos/proof/postgres';
import { createRun } from '@aos/core/runs';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  APP_ROLE_GRANTS,
  createTestDatabase,
  createTestLoginRole,
  planStep,
  spawnNode,
  storeTestPlan,
  type RunningChild,
  type TestPlanStep,
  type TestDatabase,
  type TestLoginRole,
} from '@aos/testkit';
import { createAgent, createTenant, drainTenantLog, enqueueRun } from '@aos/core/testing';

type Db = Awaited<ReturnType<TestDatabase['db']>>;

// SPEC §14 with real processes: `int-cli worker` processes (graphile-worker runners) on one
// Postgres server, connecting as a least-privilege login role (aos_app + aos_worker), executing
// runs queued with their jobs — exactly once each, surviving kill -9 and draining on SIGTERM.

const INT_CLI = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const SIGNING_KEY = generateSigningKey('workers.aos.local');
const TRUSTED = { trustedKeys: [SIGNING_KEY.verifierKey] };

const step = planStep;

const THREE_STEPS = [
  step(1, 'echo', { message: 'order 42' }),
  step(2, 'json_transform', { payload: { order: { id: 42 } }, mapping: { id: 'order.id' } }),
  step(3, 'echo', { message: 'processed {{s2.result.id}}' }),
];
/** Three steps whose middle one takes `ms` (no side effects: an interrupted attempt can be redone). */
const slowMiddle = (ms: number) => [
  step(1, 'echo', { message: 'before' }),
  step(2, '__sdsr_fail_trigger__', { error_class: 'none', delay_ms: ms }),
  step(3, 'echo', { message: 'after' }),
];

interface Terminal {
  id: string;
  tenant_id: string;
  status: string;
  attempts: number;
  error_message: string | null;
}

describe.skipIf(!inject('aosServerAvailable'))('int-cli worker processes [server]', () => {
  let t: TestDatabase;
  let db: Db;
  let role: TestLoginRole;
  const agents = new Map<string, string>();
  const children: RunningChild[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('server');
    db = await t.db();
    const name = new URL(t.url!).pathname.slice(1);
    role = await createTestLoginRole({ name, url: t.url!, drop: () => Promise.resolve() }, { grants: APP_ROLE_GRANTS });
    for (const tenant of ['alpha', 'beta', 'gamma']) {
      await createTenant(db, { tenantId: tenant });
      agents.set(tenant, (await createAgent(await t.tenantDb(tenant), { name: 'worker-test', tenantId: tenant })).id);
    }
  });
  // A test that failed half-way must not leave its workers to take the next test's runs.
  afterEach(async () => {
    const running = children.filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    for (const child of running) child.child.kill('SIGTERM');
    await Promise.all(running.map((c) => c.exited));
  });
  afterAll(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await t?.destroy();
    await role?.drop();
  });

  /** A run with `steps` as its plan and its job, created in one transaction as its tenant. */
  async function queueRun(tenant: string, steps: TestPlanStep[], maxAttempts = 3): Promise<string> {
    const tenantDb = await t.tenantDb(tenant);
    return tenantDb.transaction().execute(async (trx) => {
      const { run } = await createRun(trx, {
        tenantId: tenant,
        agentId: agents.get(tenant)!,
        goal: 'worker test',
        maxAttempts,
      });
      await storeTestPlan(trx, run.id, steps);
      await enqueueRun(trx, run.id);
      return run.id;
    });
  }

  function startWorker(args: string[] = ['--concurrency', '4']): RunningChild {
    const child = spawnNode([INT_CLI, 'worker', ...args], {
      env: { DATABASE_URL: role.url, AOS_HOME: t.home, AOS_SIGNING_KEY: encodeSigningKey(SIGNING_KEY), NO_COLOR: '1' },
    });
    children.push(child);
    return child;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function terminal(ids: readonly string[], timeoutMs: number): Promise<Terminal[]> {
    return waitFor(
      `${ids.length} runs to finish`,
      async () => {
        const rows = await db
          .selectFrom('runs')
          .select(['id', 'tenant_id', 'status', 'attempts', 'error_message'])
          .where('id', 'in', ids)
          .where('status', 'in', ['succeeded', 'failed', 'halted'])
          .execute();
        return rows.length === ids.length ? rows : undefined;
      },
      timeoutMs,
    );
  }

  async function stepsOf(runId: string): Promise<string[]> {
    const rows = await db
      .selectFrom('aos_trace_steps')
      .select(['plan_step_id', 'attempt', 'status'])
      .where('run_id', '=', runId)
      .orderBy('step_index')
      .execute();
    return rows.map((r) => `${r.plan_step_id}@${r.attempt}:${r.status}`);
  }

  async function verified(run: Pick<Terminal, 'id' | 'tenant_id'>): Promise<string> {
    const tenantDb = await t.tenantDb(run.tenant_id);
    await drainTenantLog(tenantDb, run.tenant_id, { signingKey: SIGNING_KEY, ...TRUSTED });
    return (await getRunProof(tenantDb, run.tenant_id, run.id, TRUSTED)).integrity.verification_status;
  }

  async function stop(child: RunningChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    child.child.kill('SIGTERM');
    return child.exited;
  }

  it('4 worker processes × 200 runs of 3 tenants: each executed exactly once, every trace VERIFIED, no duplicate step', async () => {
    const workers = Array.from({ length: 4 }, () => startWorker());
    await Promise.all(workers.map((w) => w.waitForStderr('executing up to 4 runs at once', 30_000)));
    const tenants = ['alpha', 'beta', 'gamma'];
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) ids.push(await queueRun(tenants[i % 3]!, THREE_STEPS));
    const runs = await terminal(ids, 120_000);
    expect(runs.filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(runs.every((r) => r.attempts === 1)).toBe(true);
    const duplicates = await db
      .selectFrom('aos_trace_steps')
      .select(['run_id', 'plan_step_id', 'attempt', 'status'])
      .where('run_id', 'in', ids)
      .groupBy(['run_id', 'plan_step_id', 'attempt', 'status'])
      .having((eb) => eb.fn.countAll(), '>', 1)
      .execute();
    expect(duplicates).toEqual([]);
    const stepCount = await db
      .selectFrom('aos_trace_steps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('run_id', 'in', ids)
      .executeTakeFirstOrThrow();
    expect(Number(stepCount.n)).toBe(600);
    for (const run of runs) expect(await verified(run)).toBe('VERIFIED');
    // The work was shared: every process executed some of it.
    const executedBy = await Promise.all(workers.map(async (w) => (await stop(w), w.stdout())));
    for (const out of executedBy) expect(out).toMatch(/attempt 1: succeeded/);
    const lines = executedBy.join('').match(/^run \S+ \(tenant \w+\) attempt 1: succeeded/gm) ?? [];
    expect(lines).toHaveLength(200);
  }, 180_000);

  it('SIGTERM drains: the current step finishes, the run is released (retry, lease cleared), exit 0; the next worker finishes it', async () => {
    const worker = startWorker(['--concurrency', '1']);
    await worker.waitForStderr('executing up to 1 run at once', 30_000);
    const runId = await queueRun('alpha', slowMiddle(2500));
    await waitFor('the first step', async () => ((await stepsOf(runId)).length >= 1 ? true : undefined), 30_000);
    const exit = await stop(worker);
    expect(exit).toEqual({ code: 0, signal: null });
    const released = await db
      .selectFrom('runs')
      .select(['status', 'lease_owner', 'lease_expires_at', 'error_message'])
      .where('id', '=', runId)
      .executeTakeFirstOrThrow();
    expect(released).toMatchObject({ status: 'retry', lease_owner: null, lease_expires_at: null });
    expect(released.error_message).toMatch(/^worker_shutdown: attempt 1 stopped before step s3/);
    // The step in progress was finished, not cut off.
    expect(await stepsOf(runId)).toEqual(['s1@1:success', 's2@1:success']);
    const next = startWorker(['--concurrency', '1']);
    const [run] = await terminal([runId], 30_000);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await stepsOf(runId)).toEqual(['s1@1:success', 's2@1:success', 's3@2:success']);
    expect(await verified(run!)).toBe('VERIFIED');
    expect(await stop(next)).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('kill -9 mid-run: recovery takes the expired lease and the next attempt finishes the run within 60 s; no step lost', async () => {
    const doomed = startWorker(['--concurrency', '1']);
    await doomed.waitForStderr('executing up to 1 run at once', 30_000);
    const runId = await queueRun('beta', slowMiddle(5000));
    await waitFor('the first step', async () => ((await stepsOf(runId)).length >= 1 ? true : undefined), 30_000);
    doomed.child.kill('SIGKILL');
    await doomed.exited;
    const killedAt = Date.now();
    const rescuer = startWorker(['--concurrency', '2']);
    const [run] = await terminal([runId], 90_000);
    expect(Date.now() - killedAt).toBeLessThan(60_000);
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2 });
    // The dead attempt's step is kept; the next attempt redid the one it was in and went on.
    expect(await stepsOf(runId)).toEqual(['s1@1:success', 's2@2:success', 's3@2:success']);
    expect(await verified(run!)).toBe('VERIFIED');
    expect(await stop(rescuer)).toEqual({ code: 0, signal: null });
    expect(rescuer.stdout()).toContain(`run ${runId}: its lease expired; the next attempt is queued`);
  }, 150_000);

  it('a poisoned run does not block the others: it is recorded failed and the rest succeed', async () => {
    const poisoned = await queueRun('gamma', THREE_STEPS);
    // Its stored plan no longer matches its hash: executing it throws before anything runs.
    await t.tamper((trx) =>
      trx
        .updateTable('runs')
        .set({ plan_hash: '0'.repeat(64) })
        .where('id', '=', poisoned)
        .execute(),
    );
    const healthy = [];
    for (let i = 0; i < 5; i++) healthy.push(await queueRun(['alpha', 'beta', 'gamma'][i % 3]!, THREE_STEPS));
    const once = startWorker(['--once']);
    expect(await once.exited).toEqual({ code: 0, signal: null });
    const runs = await terminal([poisoned, ...healthy], 10_000);
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(poisoned)).toMatchObject({ status: 'failed' });
    expect(byId.get(poisoned)?.error_message).toMatch(/^worker_error: .*plan_hash/);
    for (const id of healthy) expect(byId.get(id)?.status).toBe('succeeded');
    expect(once.stdout()).toMatch(new RegExp(`run ${poisoned} \\(tenant gamma\\) could not be executed: worker_error`));
  }, 60_000);
});

describe('int-cli worker without a Postgres server', () => {
  it('refuses in one line (exit 2): the embedded database has no queue, local mode executes inline', async () => {
    const home = mkdtempSync(join(tmpdir(), 'aos-worker-embedded-'));
    try {
      const child = spawnNode([INT_CLI, 'worker', '--once'], {
        env: { AOS_HOME: home, DATABASE_URL: '', NO_COLOR: '1' },
      });
      expect(await child.exited).toEqual({ code: 2, signal: null });
      expect(child.stderr().trim().split('\n')).toEqual([
        expect.stringMatching(
          /workers execute the runs of a Postgres server \(set DATABASE_URL\); the embedded database executes runs inline/,
        ),
      ]);
      expect(child.stdout()).toBe('');
      for (const concurrency of ['0', 'many', '-3']) {
        const bad = spawnNode([INT_CLI, 'worker', '--concurrency', concurrency], {
          env: { AOS_HOME: home, DATABASE_URL: '', NO_COLOR: '1' },
        });
        expect({ concurrency, code: (await bad.exited).code }).toEqual({ concurrency, code: 2 });
        expect(bad.stderr().trim().split('\n')).toEqual([expect.stringMatching(/--concurrency: /)]);
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
