import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeEachDriver } from '@aos/testkit';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAos } from '../src/index';
import {
  AOS_ROLES,
  MIGRATIONS,
  createSkillRegistry,
  ensureRoles,
  executeRunAttempt,
  openDatabase,
  splitSqlStatements,
  type Database,
} from '../src/testing';
import { TEST_SIGNING_KEY } from './runner-fixtures';

// SPEC §3.1a, attacked: what tenant A can do through the store's aos_app handle to tenant B's
// rows, what the app role may do at all, and that with no tenant nothing is visible. Fixtures
// are written through the admin handle (the superuser, which bypasses the policies).

const TENANT_TABLES = [
  'agents',
  'runs',
  'aos_traces',
  'aos_trace_steps',
  'tenant_quotas',
  'cost_events',
  'budget_alerts',
  'kv_entries',
  'budget_reservations',
  'tenant_secrets',
] as const;
const ALL_TABLES = [...TENANT_TABLES, 'tenants', 'api_keys'] as const;

const A = 'rls-a';
const B = 'rls-b';

interface TenantRows {
  readonly agentId: string;
  readonly runId: string;
  readonly queuedRunId: string;
}

async function seedTenant(db: Kysely<Database>, tenant: string, n: number): Promise<TenantRows> {
  const agentId = `00000000-0000-4000-8000-00000000000${n}`;
  const runId = `00000000-0000-4000-8000-0000000000${n}1`;
  const queuedRunId = `00000000-0000-4000-8000-0000000000${n}2`;
  const traceId = `trace_${runId}`;
  await sql`INSERT INTO tenants (id, name) VALUES (${tenant}, ${tenant})`.execute(db);
  await sql`INSERT INTO agents (id, tenant_id, name) VALUES (${agentId}, ${tenant}, ${`agent of ${tenant}`})`.execute(
    db,
  );
  await sql`INSERT INTO runs (id, tenant_id, agent_id, origin_system_id, goal, status)
            VALUES (${runId}, ${tenant}, ${agentId}, 'rls-test', 'echo hi', 'running'),
                   (${queuedRunId}, ${tenant}, ${agentId}, 'rls-test', 'echo queued', 'queued')`.execute(db);
  await sql`INSERT INTO aos_traces (trace_id, run_id, tenant_id, plan_hash, genesis_hash)
            VALUES (${traceId}, ${runId}, ${tenant}, 'p', 'g')`.execute(db);
  await sql`INSERT INTO aos_trace_steps (trace_id, step_index, run_id, tenant_id, status, leaf_hash, prev_hash, step_hash)
            VALUES (${traceId}, 0, ${runId}, ${tenant}, 'success', 'l', 'p', 's')`.execute(db);
  await sql`INSERT INTO tenant_quotas (tenant_id) VALUES (${tenant})`.execute(db);
  await sql`INSERT INTO cost_events (tenant_id, run_id, cost_cents) VALUES (${tenant}, ${runId}, 1)`.execute(db);
  await sql`INSERT INTO budget_alerts (tenant_id, level, period, message, spend_cents, limit_cents)
            VALUES (${tenant}, 'warn', 'daily', 'm', 1, 2)`.execute(db);
  await sql`INSERT INTO kv_entries (tenant_id, key, value) VALUES (${tenant}, 'k', '1')`.execute(db);
  await sql`INSERT INTO budget_reservations (tenant_id, run_id, agent_id, estimate_cents, expires_at)
            VALUES (${tenant}, ${runId}, ${agentId}, 1, now() + interval '1 hour')`.execute(db);
  await sql`INSERT INTO tenant_secrets (tenant_id, name, ciphertext, iv, auth_tag, key_id)
            VALUES (${tenant}, 'TOKEN', '\\x00', decode(repeat('00', 12), 'hex'), decode(repeat('00', 16), 'hex'),
                    '0123456789abcdef')`.execute(db);
  return { agentId, runId, queuedRunId };
}

async function tenantsIn(db: Kysely<Database>, table: string): Promise<(string | null)[]> {
  const rows = await sql<{ tenant_id: string | null }>`SELECT tenant_id FROM ${sql.table(table)}`.execute(db);
  return rows.rows.map((r) => r.tenant_id);
}

async function sqlState(run: Promise<unknown>): Promise<string> {
  try {
    await run;
  } catch (error) {
    return String((error as { code?: unknown }).code);
  }
  return 'no error';
}

describeEachDriver('row-level security', (t) => {
  let a: TenantRows;
  let b: TenantRows;
  const sharedId = '00000000-0000-4000-8000-0000000000ff';
  const appA = (): Promise<Kysely<Database>> => t.tenantDb(A);
  const noTenant = async (): Promise<Kysely<Database>> => (await t.store()).db;

  beforeAll(async () => {
    const admin = await t.db();
    a = await seedTenant(admin, A, 1);
    b = await seedTenant(admin, B, 2);
    await sql`INSERT INTO agents (id, tenant_id, name) VALUES (${sharedId}, NULL, 'shared')`.execute(admin);
  });

  it('as tenant A, every tenant-scoped table shows A its own rows only (and the shared agents)', async () => {
    const db = await appA();
    for (const table of TENANT_TABLES) {
      const seen = await tenantsIn(db, table);
      expect(seen.length, table).toBeGreaterThan(0);
      expect(new Set(seen), table).toEqual(table === 'agents' ? new Set([A, null]) : new Set([A]));
    }
    // The admin handle sees both tenants: the fixtures are there to be hidden.
    expect(new Set(await tenantsIn(await t.db(), 'kv_entries'))).toEqual(new Set([A, B]));
  });

  it('with no tenant set, every tenant-scoped table reads empty (shared agents too)', async () => {
    const db = await noTenant();
    for (const table of TENANT_TABLES) expect(await tenantsIn(db, table), table).toEqual([]);
  });

  it("as tenant A, updates of B's rows change nothing", async () => {
    const db = await appA();
    const attempts = [
      sql`UPDATE agents SET status = 'paused' WHERE id = ${b.agentId}`,
      sql`UPDATE runs SET next_attempt_at = now() WHERE id = ${b.queuedRunId}`,
      sql`UPDATE aos_traces SET status = 'aborted', completed_at = now() WHERE run_id = ${b.runId}`,
      sql`UPDATE tenant_quotas SET daily_limit_cents = 1 WHERE tenant_id = ${B}`,
      sql`UPDATE kv_entries SET value = '"stolen"' WHERE tenant_id = ${B}`,
      sql`UPDATE tenant_secrets SET key_id = 'ffffffffffffffff' WHERE tenant_id = ${B}`,
    ];
    for (const attempt of attempts) expect((await attempt.execute(db)).numAffectedRows ?? 0n).toBe(0n);
    const admin = await t.db();
    const check = await sql<{ ok: boolean }>`
      SELECT (SELECT status FROM agents WHERE id = ${b.agentId}) = 'active'
         AND (SELECT next_attempt_at FROM runs WHERE id = ${b.queuedRunId}) IS NULL
         AND (SELECT status FROM aos_traces WHERE run_id = ${b.runId}) = 'running'
         AND (SELECT daily_limit_cents FROM tenant_quotas WHERE tenant_id = ${B}) <> 1
         AND (SELECT value FROM kv_entries WHERE tenant_id = ${B}) = '1'::jsonb
         AND (SELECT key_id FROM tenant_secrets WHERE tenant_id = ${B}) = '0123456789abcdef' AS ok`.execute(admin);
    expect(check.rows[0]?.ok).toBe(true);
  });

  it('as tenant A, a row for B is refused (WITH CHECK), in every tenant-scoped table', async () => {
    const db = await appA();
    const inserts = {
      agents: sql`INSERT INTO agents (tenant_id, name) VALUES (${B}, 'planted')`,
      runs: sql`INSERT INTO runs (tenant_id, agent_id, origin_system_id, goal) VALUES (${B}, ${b.agentId}, 'x', 'g')`,
      aos_traces: sql`INSERT INTO aos_traces (trace_id, run_id, tenant_id, plan_hash, genesis_hash)
                      VALUES (${`trace_${b.queuedRunId}`}, ${b.queuedRunId}, ${B}, 'p', 'g')`,
      aos_trace_steps: sql`INSERT INTO aos_trace_steps (trace_id, step_index, run_id, tenant_id, status, leaf_hash, prev_hash, step_hash)
                           VALUES (${`trace_${b.runId}`}, 1, ${b.runId}, ${B}, 'success', 'l', 'p', 's')`,
      tenant_quotas: sql`INSERT INTO tenant_quotas (tenant_id) VALUES ('rls-c')`,
      cost_events: sql`INSERT INTO cost_events (tenant_id, cost_cents) VALUES (${B}, 1)`,
      budget_alerts: sql`INSERT INTO budget_alerts (tenant_id, level, period, message, spend_cents, limit_cents)
                         VALUES (${B}, 'warn', 'daily', 'm', 1, 2)`,
      kv_entries: sql`INSERT INTO kv_entries (tenant_id, key, value) VALUES (${B}, 'planted', '1')`,
      budget_reservations: sql`INSERT INTO budget_reservations (tenant_id, run_id, estimate_cents, expires_at)
                               VALUES (${B}, ${b.runId}, 1, now())`,
      tenant_secrets: sql`INSERT INTO tenant_secrets (tenant_id, name, ciphertext, iv, auth_tag, key_id)
                          VALUES (${B}, 'PLANTED', '\\x00', decode(repeat('00', 12), 'hex'),
                                  decode(repeat('00', 16), 'hex'), '0123456789abcdef')`,
    } satisfies Record<(typeof TENANT_TABLES)[number], unknown>;
    for (const [table, insert] of Object.entries(inserts)) {
      // A step's append trigger runs before the policy check and cannot see B's trace either.
      const expected = table === 'aos_trace_steps' ? ['42501', 'AO001'] : ['42501'];
      expect(expected, table).toContain(await sqlState(insert.execute(db)));
    }
  });

  it('shared agents: every tenant reads them; no tenant inserts or changes one', async () => {
    for (const tenant of [A, B]) {
      expect(await tenantsIn(await t.tenantDb(tenant), 'agents')).toContain(null);
    }
    const db = await appA();
    expect(await sqlState(sql`INSERT INTO agents (tenant_id, name) VALUES (NULL, 'planted')`.execute(db))).toBe(
      '42501',
    );
    const update = await sql`UPDATE agents SET status = 'disabled' WHERE id = ${sharedId}`.execute(db);
    expect(update.numAffectedRows ?? 0n).toBe(0n);
    const after = await sql<{ status: string }>`SELECT status FROM agents WHERE id = ${sharedId}`.execute(await t.db());
    expect(after.rows[0]?.status).toBe('active');
  });

  it('aos_app may not DELETE or TRUNCATE any table, nor UPDATE a column that never changes', async () => {
    const db = await appA();
    for (const table of ALL_TABLES) {
      expect(await sqlState(sql`DELETE FROM ${sql.table(table)}`.execute(db)), `DELETE ${table}`).toBe('42501');
      expect(await sqlState(sql`TRUNCATE ${sql.table(table)} CASCADE`.execute(db)), `TRUNCATE ${table}`).toBe('42501');
    }
    const writeOnce = [
      sql`UPDATE runs SET goal = 'changed' WHERE id = ${a.runId}`,
      sql`UPDATE runs SET tenant_id = ${B} WHERE id = ${a.runId}`,
      sql`UPDATE runs SET idempotency_key = 'k' WHERE id = ${a.runId}`,
      sql`UPDATE aos_traces SET plan_hash = 'q' WHERE run_id = ${a.runId}`,
      sql`UPDATE aos_traces SET genesis_hash = 'h' WHERE run_id = ${a.runId}`,
      sql`UPDATE aos_trace_steps SET status = 'failure' WHERE run_id = ${a.runId}`,
      sql`UPDATE cost_events SET cost_cents = 0 WHERE tenant_id = ${A}`,
      sql`UPDATE budget_alerts SET message = 'x' WHERE tenant_id = ${A}`,
      sql`UPDATE budget_reservations SET estimate_cents = 0 WHERE tenant_id = ${A}`,
      sql`UPDATE agents SET tenant_id = ${B} WHERE id = ${a.agentId}`,
      sql`UPDATE tenants SET status = 'active'`,
      sql`UPDATE api_keys SET tenant_id = ${B}`,
      sql`UPDATE api_keys SET revoked_at = now()`,
    ];
    for (const attempt of writeOnce) expect(await sqlState(attempt.execute(db)), attempt.compile(db).sql).toBe('42501');
  });

  it('aos_app is no superuser, has no BYPASSRLS and owns nothing; the roles log in nowhere', async () => {
    const facts = await sql<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean; rolcanlogin: boolean }>`
      SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles
       WHERE rolname IN (${sql.join([...AOS_ROLES])}) ORDER BY rolname`.execute(await t.db());
    expect(facts.rows).toEqual(
      [...AOS_ROLES].sort().map((rolname) => ({ rolname, rolsuper: false, rolbypassrls: false, rolcanlogin: false })),
    );
    const owned = await sql<{ n: number }>`
      SELECT ((SELECT count(*) FROM pg_class WHERE relowner = r.oid)
            + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)
            + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)
            + (SELECT count(*) FROM pg_database WHERE datdba = r.oid))::int AS n
        FROM pg_roles r WHERE r.rolname = 'aos_app'`.execute(await t.db());
    expect(owned.rows[0]?.n).toBe(0);
    const who = await sql<{ role: string }>`SELECT current_user AS role`.execute(await appA());
    expect(who.rows[0]?.role).toBe('aos_app');
  });

  it("the definer functions that delete act for the session's tenant only", async () => {
    const db = await appA();
    const row = async (q: ReturnType<typeof sql<{ v: unknown }>>): Promise<unknown> => (await q.execute(db)).rows[0]?.v;
    expect(await row(sql<{ v: unknown }>`SELECT aos_kv_delete(${B}, 'k') AS v`)).toBe(false);
    expect(await row(sql<{ v: unknown }>`SELECT count(*)::int AS v FROM aos_secret_delete(${B}, 'TOKEN')`)).toBe(0);
    expect(await row(sql<{ v: unknown }>`SELECT aos_reservations_release_run(${B}, ${b.runId}) AS v`)).toBe(0);
    const none = await noTenant();
    expect((await sql<{ v: boolean }>`SELECT aos_kv_delete(${B}, 'k') AS v`.execute(none)).rows[0]?.v).toBe(false);
    const left = await sql<{ n: number }>`
      SELECT ((SELECT count(*) FROM kv_entries WHERE tenant_id = ${B})
            + (SELECT count(*) FROM tenant_secrets WHERE tenant_id = ${B})
            + (SELECT count(*) FROM budget_reservations WHERE tenant_id = ${B}))::int AS n`.execute(await t.db());
    expect(left.rows[0]?.n).toBe(3);
  });

  it("runner code handed only another tenant's run id cannot reach it", async () => {
    const deps = { registry: createSkillRegistry(), env: {}, signingKey: TEST_SIGNING_KEY };
    await expect(executeRunAttempt(await appA(), b.queuedRunId, deps)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    const run = await sql<{ status: string; attempts: number }>`
      SELECT status, attempts FROM runs WHERE id = ${b.queuedRunId}`.execute(await t.db());
    expect(run.rows[0]).toEqual({ status: 'queued', attempts: 0 });
  });

  it("the facade, for tenant A, answers B's run as RUN_NOT_FOUND", async () => {
    await t.release();
    const aos = await openAos({ env: t.env });
    try {
      await expect(aos.runs.get({ tenantId: A, runId: b.runId })).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
      await expect(aos.proofs.verify({ tenantId: A, runId: b.runId })).rejects.toMatchObject({
        code: 'RUN_NOT_FOUND',
      });
      expect((await aos.agents.list({ tenantId: A })).agents.map((x) => x.id).sort()).toEqual(
        [a.agentId, sharedId].sort(),
      );
    } finally {
      await aos.close();
    }
  });
});

describe('roles on a store that has none', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aos-rls-roles-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('migration 0007 refuses without the roles, naming `int-cli db roles`; ensureRoles creates them, once', async () => {
    const store = await openDatabase({ dataDir: join(dir, 'pgdata'), env: {}, migrate: false });
    try {
      const guard = splitSqlStatements(MIGRATIONS.find((m) => m.name === '0007_enable_row_level_security')?.sql ?? '');
      const first = guard.find((s) => s.includes('int-cli db roles')) ?? '';
      await expect(sql.raw(first).execute(store.admin)).rejects.toThrow(/run int-cli db roles first/);
      expect(await ensureRoles(store.admin)).toEqual({ created: [...AOS_ROLES], existing: [] });
      expect(await ensureRoles(store.admin)).toEqual({ created: [], existing: [...AOS_ROLES] });
      await expect(sql.raw(first).execute(store.admin)).resolves.toBeDefined();
    } finally {
      await store.close();
    }
  });
});
