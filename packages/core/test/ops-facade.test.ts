import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalize, computePlanHash, generateSigningKey, sha256Hex } from '@aos/proof';
import { createThrowawayDatabase, describeEachDriver, query, TEST_DRIVERS, type TestDatabase } from '@aos/testkit';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import {
  createAgent,
  createSkillRegistry,
  enqueueRun,
  executeRunAttempt,
  loadDeploymentSigningKey,
  MIGRATIONS,
} from '../src/testing';
import { openOps, withOps, type AosConfig, type AosOps, type WorkerAttempt } from '@aos/core/ops';
import { createRun, runGoal } from '@aos/core/runs';

/** What a result must be: the same after a JSON round trip (no Date, no class, no undefined, no key object). */
function expectPlain(value: unknown): void {
  expect(JSON.parse(JSON.stringify(value))).toStrictEqual(value);
}

function keyFilesIn(home: string): string[] {
  return readdirSync(home).filter((name) => name.includes('signing.key') || name.includes('verifier-keys'));
}

const TRANSFORM_INPUT = {
  payload: { order: { id: 'A-1', items: [{ sku: 'X' }] } },
  mapping: { order_id: 'order.id', first_sku: 'order.items[0].sku', coupon: 'order.coupon' },
  defaults: { coupon: 'none' },
};

describe('ops facade without a database', () => {
  let home: string;
  let config: AosConfig;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'aos-ops-'));
    config = { env: { AOS_HOME: home } };
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('opens nothing until a method needs the store: keys are shown, generated and rotated with no database', async () => {
    const ops = await openOps(config);
    try {
      expect(ops.store).toEqual({ driver: 'embedded', location: join(home, 'pgdata') });
      const before = await ops.keys.show();
      expectPlain(before);
      expect(before).toEqual({
        file: join(home, 'verifier-keys.json'),
        current: null,
        keys: [],
        warnings: [],
        signing_key_file: { path: join(home, 'signing.key'), exists: false },
      });
      await expect(ops.keys.rotate()).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });

      const generated = await ops.keys.generate({ name: 'ops.example' });
      expectPlain(generated);
      expect(generated.key).toMatchObject({ path: join(home, 'signing.key'), name: 'ops.example' });
      expect(generated.shadowed_by_env).toBe(false);
      expect(statSync(generated.key.path).mode & 0o777).toBe(0o600);
      // An existing key file is never replaced.
      await expect(ops.keys.generate()).rejects.toMatchObject({ code: 'INVALID_INPUT' });

      const rotated = await ops.keys.rotate();
      expectPlain(rotated);
      expect(rotated.retired).toMatchObject({ verifier_key: generated.key.verifier_key, name: 'ops.example' });
      const after = await ops.keys.show();
      expect(after.current?.verifier_key).toBe(rotated.key.verifier_key);
      expect(after.keys.map((k) => [k.status, k.verifier_key])).toEqual([
        ['current', rotated.key.verifier_key],
        ['retired', generated.key.verifier_key],
      ]);
      expect(after.signing_key_file.exists).toBe(true);
    } finally {
      await ops.close();
    }
    // No store was opened: the embedded directory was never created.
    expect(readdirSync(home)).not.toContain('pgdata');
  });

  it('describes a server store without its password and without connecting; the first use fails DB_OPEN_FAILED', async () => {
    const ops = await openOps({ ...config, databaseUrl: 'postgres://aos:secret@127.0.0.1:1/none' });
    try {
      expect(ops.store).toEqual({ driver: 'server', location: 'postgres://aos:***@127.0.0.1:1/none' });
      expectPlain(ops.store);
      await expect(ops.quotas.get('acme')).rejects.toMatchObject({ code: 'DB_OPEN_FAILED' });
      // A failed open is not remembered as a store: closing has nothing to release.
      await expect(ops.connect()).rejects.toMatchObject({ code: 'DB_OPEN_FAILED' });
    } finally {
      await ops.close();
    }
  });

  it('lists the registry as plain data, in registry order', async () => {
    const skills = await withOps(config, (ops) => ops.skills.list());
    expectPlain(skills);
    expect(skills.map((s) => s.name)).toEqual(
      createSkillRegistry()
        .list()
        .map((s) => s.name),
    );
    expect(skills.find((s) => s.name === 'json_transform')).toMatchObject({
      deterministic: true,
      side_effects: false,
      network: false,
      input_schema: expect.objectContaining({ type: 'object' }),
    });
    expect(readdirSync(home)).toEqual([]);
  });
});

// An unmigrated store of each driver: a fresh AOS_HOME, or an empty database on the server.
describe.each(TEST_DRIVERS)('ops facade migrations on an empty store [%s]', (driver) => {
  const available = driver === 'embedded' || inject('aosServerAvailable');
  it.skipIf(!available)(
    'migrate: false leaves every migration pending; apply applies them all, once',
    { timeout: 120_000 },
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'aos-ops-migrate-'));
      const server = driver === 'server' ? await createThrowawayDatabase() : undefined;
      const config: AosConfig = { env: { AOS_HOME: home }, databaseUrl: server?.url };
      try {
        const names = MIGRATIONS.map((m) => m.name);
        const first = await withOps(
          config,
          async (ops) => ({ before: await ops.migrations.status(), applied: await ops.migrations.apply() }),
          { migrate: false },
        );
        expectPlain(first);
        expect(first.before).toEqual(names.map((name) => ({ name, applied: false, executed_at: null })));
        expect(first.applied.applied_now).toBe(names.length);
        expect(first.applied.migrations.map((m) => [m.name, m.status])).toEqual(names.map((n) => [n, 'applied']));
        for (const m of first.applied.migrations) expect(Date.parse(m.executed_at ?? '')).not.toBeNaN();

        const second = await withOps(
          config,
          async (ops) => ({ status: await ops.migrations.status(), applied: await ops.migrations.apply() }),
          { migrate: false },
        );
        expect(second.status).toEqual(
          first.applied.migrations.map((m) => ({ name: m.name, applied: true, executed_at: m.executed_at })),
        );
        expect(second.applied).toEqual({
          migrations: first.applied.migrations.map((m) => ({ ...m, status: 'already-applied' })),
          applied_now: 0,
          // The run queue is a server's (SPEC §14); the embedded database executes inline.
          run_queue: driver === 'server' ? { schema: 'graphile_worker' } : null,
        });
      } finally {
        await server?.drop();
        rmSync(home, { recursive: true, force: true });
      }
    },
  );
});

/** Test setup (tests may create runs; the facade may not): an agent of `tenantId`. */
async function agentOf(t: TestDatabase, tenantId: string): Promise<string> {
  return query(t, async (db) => (await createAgent(db, { name: 'ops-facade', tenantId })).id);
}

/** Test setup: runs sealed through the customer path with the deployment key of the test's home. */
async function sealedRuns(t: TestDatabase, tenantId: string, n: number): Promise<string[]> {
  const agentId = await agentOf(t, tenantId);
  return query(t, async (db) => {
    const signingKey = await loadDeploymentSigningKey(t.env);
    const ids: string[] = [];
    for (let i = 0; i < n; i += 1) {
      const { run } = await runGoal(
        db,
        { tenantId, agentId, goal: `echo ${i}` },
        { registry: createSkillRegistry(), env: {}, signingKey },
      );
      ids.push(run.id);
    }
    return ids;
  });
}

describeEachDriver('ops facade', (t) => {
  const config = (): AosConfig => ({ env: t.env, databaseUrl: t.url });
  // The embedded directory admits one holder: the test's own handle lets go first.
  const on = async <T>(use: (ops: AosOps) => Promise<T>): Promise<T> => {
    await t.release();
    return withOps(config(), use);
  };

  it('opening and reading quotas loads no signing key: no key file appears under a fresh AOS_HOME', async () => {
    expect(keyFilesIn(t.home)).toEqual([]);
    const report = await on(async (ops) => {
      await ops.connect();
      return ops.quotas.get('fresh');
    });
    expectPlain(report);
    expect(report).toEqual({
      quota: {
        tenant_id: 'fresh',
        daily_limit_cents: 10_000,
        hourly_limit_cents: 1_000,
        request_limit_cents: 100,
        run_limit_cents: 500,
        warn_threshold: 0.8,
        hard_limit: true,
        source: 'default',
      },
      spend: { daily_cents: 0, hourly_cents: 0 },
    });
    expect(keyFilesIn(t.home)).toEqual([]);
  });

  it('quotas.set changes only what it names and refuses bad input (INVALID_INPUT) writing nothing', async () => {
    const set = await on((ops) => ops.quotas.set('q', { daily_limit_cents: 5000, hard_limit: false }));
    expectPlain(set);
    expect(set.quota).toMatchObject({ source: 'stored', daily_limit_cents: 5000, hourly_limit_cents: 1000 });
    expect(set.quota.hard_limit).toBe(false);
    await on(async (ops) => {
      await expect(ops.quotas.set('q', { daily_limit_cents: -1 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        name: 'InvalidInputError',
      });
      await expect(ops.quotas.set('q', { nonsense: 1 } as never)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(ops.quotas.get(' ')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect((await ops.quotas.get('q')).quota.daily_limit_cents).toBe(5000);
    });
    expect(
      await query(t, (db) => db.selectFrom('tenant_quotas').select('tenant_id').orderBy('tenant_id').execute()),
    ).toEqual([{ tenant_id: 'q' }]);
  });

  it('migrations.status on a store migrated on open lists every migration applied, with ISO times', async () => {
    const status = await on((ops) => ops.migrations.status());
    expectPlain(status);
    expect(status.map((m) => m.name)).toEqual(MIGRATIONS.map((m) => m.name));
    for (const m of status) {
      expect(m.applied).toBe(true);
      expect(m.executed_at).toBe(new Date(m.executed_at ?? 'never').toISOString());
    }
  });

  it('demo: json_transform twice gives identical hashes; a cost event is recorded and read back; no run is created', async () => {
    const { check, cost } = await on(async (ops) => ({
      check: await ops.demo.checkDeterminism({ tenantId: 'demo', input: TRANSFORM_INPUT }),
      cost: await ops.demo.recordCostEvent({ tenantId: 'demo', costCents: 2 }),
    }));
    expectPlain(check);
    expectPlain(cost);
    const output = { result: { order_id: 'A-1', first_sku: 'X', coupon: 'none' } };
    expect(check).toEqual({
      skill: 'json_transform',
      outputs: [output, output],
      hashes: [sha256Hex(canonicalize(output)), sha256Hex(canonicalize(output))],
      deterministic: true,
    });
    expect(cost).toMatchObject({ tenant_id: 'demo', cost_cents: 2, daily_spend_cents: 2, alerts: [] });
    const stored = await query(t, async (db) => ({
      event: await db.selectFrom('cost_events').selectAll().where('id', '=', cost.event_id).executeTakeFirstOrThrow(),
      runs: await db.selectFrom('runs').select('id').execute(),
    }));
    expect(stored.event.created_at.toISOString()).toBe(cost.created_at);
    expect(stored.runs).toEqual([]);
    await on(async (ops) => {
      await expect(ops.demo.checkDeterminism({ tenantId: 'demo', input: { mapping: {} } })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
      await expect(ops.demo.recordCostEvent({ tenantId: 'demo', costCents: -1 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });
  });

  it('worker: once executes every queued job — a run that throws is recorded, the others succeed; a second pass finds nothing', async () => {
    if (t.driver === 'embedded') {
      // Local mode executes inline: there is no queue to work.
      await on(async (ops) => {
        await expect(ops.worker.run({ concurrency: 1, once: true })).rejects.toMatchObject({
          code: 'CONFIG_INVALID',
          message: expect.stringMatching(/Postgres server \(set DATABASE_URL\)/),
        });
      });
      return;
    }
    const agentId = await agentOf(t, 'work');
    const tenantDb = await t.tenantDb('work');
    const queued = async (goal: string) =>
      tenantDb.transaction().execute(async (trx) => {
        const { run } = await createRun(trx, { tenantId: 'work', agentId, goal });
        await enqueueRun(trx, run.id);
        return run.id;
      });
    const poisoned = await queued('echo poisoned');
    const good = await queued('echo good');
    // A stored plan the runner refuses to read (it does not match its hash).
    await t.tamper((trx) =>
      trx
        .updateTable('runs')
        .set({ plan_json: JSON.stringify({ not: 'a plan' }), plan_hash: 'f'.repeat(64) })
        .where('id', '=', poisoned)
        .execute(),
    );
    const attempts: WorkerAttempt[] = [];
    await on((ops) => ops.worker.run({ concurrency: 1, once: true, onAttempt: (a) => attempts.push(a) }));
    expectPlain(attempts);
    expect(attempts).toEqual(
      expect.arrayContaining([
        {
          outcome: 'error',
          run_id: poisoned,
          tenant_id: 'work',
          error: expect.stringMatching(/^worker_error: AosError: .*does not match its plan_hash/),
          marked_failed: true,
        },
        {
          outcome: 'executed',
          run_id: good,
          tenant_id: 'work',
          attempt: 1,
          status: 'succeeded',
          steps_appended: 1,
          error: null,
        },
      ]),
    );
    const again: WorkerAttempt[] = [];
    await on((ops) => ops.worker.run({ concurrency: 1, once: true, onAttempt: (a) => again.push(a) }));
    expect(again).toEqual([]);
    await on(async (ops) => {
      await expect(ops.worker.run({ concurrency: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });

  it('recovery finishes a stale running run: failed, trace aborted and sealed; audit then verifies it', async () => {
    const agentId = await agentOf(t, 'stale');
    // A run whose first attempt failed retryably keeps its trace open; marked running, it is
    // what a crashed worker leaves.
    const runId = await query(t, async (db) => {
      const goal = 'fails once, retryably';
      const { run } = await createRun(db, { tenantId: 'stale', agentId, goal });
      const plan = {
        plan_id: `plan_stale_${run.id.slice(0, 8)}`,
        planner: 'rules',
        planner_version: 'test',
        goal,
        steps: [
          {
            step_id: 's1',
            skill: '__sdsr_fail_trigger__',
            params: { error_class: 'retryable' },
            depends_on: [],
            on_error: 'abort',
            retry_count: 1,
            output_key: 'fault',
            description: 'fails retryably',
          },
        ],
        metadata: {},
      };
      await db
        .updateTable('runs')
        .set({ plan_json: JSON.stringify(plan), plan_hash: computePlanHash(plan) })
        .where('id', '=', run.id)
        .execute();
      const signingKey = await loadDeploymentSigningKey(t.env);
      const { run: after } = await executeRunAttempt(db, run.id, {
        registry: createSkillRegistry(),
        env: {},
        signingKey,
      });
      expect(after.status).toBe('retry');
      await db.updateTable('runs').set({ status: 'running' }).where('id', '=', run.id).execute();
      return run.id;
    });

    const { early, report, audit } = await on(async (ops) => ({
      early: await ops.recovery.recoverStale({ tenantId: 'stale' }),
      report: await ops.recovery.recoverStale({ olderThanMs: 0, tenantId: 'stale' }),
      audit: await ops.audit.run({ tenantId: 'stale', staleAfterMs: 0 }),
    }));
    expectPlain(report);
    // Its last step is recent: under the default 15 minutes it is busy, not stale.
    expect(early).toEqual({ older_than_ms: 15 * 60_000, tenant_id: 'stale', recovered: [] });
    expect(report).toEqual({
      older_than_ms: 0,
      tenant_id: 'stale',
      recovered: [{ run_id: runId, tenant_id: 'stale', status: 'failed', step_count: 1, trace_sealed: true }],
    });
    expect(audit).toMatchObject({ checked: 1, verified: 1, unsealed: 0, findings: [] });
    await on(async (ops) => {
      await expect(ops.recovery.recoverStale({ olderThanMs: -1 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });

  it('audit verifies every sealed trace in batches, trusts the key set and the caller keys, and lists findings', async () => {
    const runs = await sealedRuns(t, 'audited', 3);
    const elsewhere = generateSigningKey('elsewhere.example');
    const progress: unknown[] = [];
    const report = await on((ops) =>
      ops.audit.run({ tenantId: 'audited', batchSize: 2, trustedKeys: [elsewhere.verifierKey] }, (p) =>
        progress.push(p),
      ),
    );
    expectPlain(report);
    expect(progress).toEqual([
      { checked: 2, total: 3 },
      { checked: 3, total: 3 },
    ]);
    expect(report).toMatchObject({
      tenant_id: 'audited',
      checked: 3,
      verified: 3,
      failures: [],
      traces: 3,
      runs_expecting_trace: 3,
      stale_after_ms: 15 * 60_000,
      findings: [],
    });
    expect(report.trusted_keys.map((k) => [k.source, k.status])).toEqual([
      ['file', 'current'],
      ['caller', null],
    ]);
    expect(report.trusted_keys[1]?.verifier_key).toBe(elsewhere.verifierKey);

    await t.tamper((trx) =>
      trx
        .updateTable('aos_trace_steps')
        .set({ outcome_data: JSON.stringify({ message: 'forged' }) })
        .where('run_id', '=', runs[1]!)
        .execute(),
    );
    const tampered = await on((ops) => ops.audit.run({ tenantId: 'audited' }));
    expect(tampered.failures).toEqual([
      expect.objectContaining({ run_id: runs[1], tenant_id: 'audited', first_divergent_step: 0 }),
    ]);
    expect(tampered.findings.map((f) => [f.kind, f.run_id])).toEqual([['verification_failed', runs[1]]]);
    await on(async (ops) => {
      await expect(ops.audit.run({ trustedKeys: ['not-a-key'] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      await expect(ops.audit.run({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });
  });

  it('withOps closes the store even when its callback throws; a closed facade refuses to be used', async () => {
    await t.release();
    let kept: AosOps | undefined;
    await expect(
      withOps(config(), async (ops) => {
        kept = ops;
        await ops.connect();
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    // Opened again at once: the embedded directory's lock was released (no waiting allowed).
    const report = await withOps({ ...config(), env: { ...t.env, AOS_DB_LOCK_TIMEOUT_MS: '0' } }, (ops) =>
      ops.quotas.get('after'),
    );
    expect(report.quota.tenant_id).toBe('after');
    await expect(kept!.quotas.get('after')).rejects.toMatchObject({ code: 'INTERNAL' });
    await kept!.close();
  });
});
