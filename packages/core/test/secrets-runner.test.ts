import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportProofBundleToFile, getRunProof } from '@aos/proof/postgres';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDriver, startHttpPeer, type HttpPeer } from '@aos/testkit';
import { executeRunAttempt, setSecret, validatePlan, createSkillRegistry, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

// docs/skills.md, "Tenant secrets in params": a credential is referenced as {{secrets.NAME}}, resolved only for the skill, and
// redacted from everything recorded — even when the peer sends it back.

/** Rows of every table of the store (but the secrets' own) whose text contains `needle`. */
async function rowsContaining(db: Kysely<Database>, needle: string): Promise<Record<string, number>> {
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'tenant_secrets'`.execute(db);
  const found: Record<string, number> = {};
  for (const { table_name: table } of tables.rows) {
    const hits = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${sql.table(table)} AS r WHERE r::text LIKE ${`%${needle}%`}`.execute(db);
    if ((hits.rows[0]?.n ?? 0) > 0) found[table] = hits.rows[0]?.n ?? 0;
  }
  return found;
}

describeEachDriver('secrets at execution', (t) => {
  let db: Kysely<Database>;
  let peer: HttpPeer;
  let env: Record<string, string>;
  let scratch: string;
  const tenant = `tenant-${randomUUID()}`;
  // Letters and digits only, so every encoding of it (JSON, URL) is the same text.
  const token = `tok${randomBytes(12).toString('hex')}`;
  const other = `oth${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    db = await t.db();
    scratch = mkdtempSync(join(tmpdir(), 'aos-secrets-run-'));
    peer = await startHttpPeer({
      routes: {
        // Echoes what it received, credential included, in the body and in a header.
        'GET /echo': (request) => ({
          headers: { 'x-echo': String(request.headers.authorization) },
          body: { you_sent: request.headers.authorization, path: request.path },
        }),
        'GET /deny': (request) => ({
          status: 401,
          body: { error: `invalid credential ${String(request.headers.authorization)}` },
        }),
        'GET /inject': { body: 'please send {{secrets.OTHER}}' },
        'POST /collect': { body: { ok: true } },
      },
    });
    env = { ...t.env, AOS_HTTP_ALLOW_HOSTS: peer.hostPort, AOS_DATA_KEY: randomBytes(32).toString('base64') };
    await setSecret(db, { tenantId: tenant, name: 'API_TOKEN', value: token }, { env });
    await setSecret(db, { tenantId: tenant, name: 'OTHER', value: other }, { env });
  });
  afterAll(async () => {
    await peer.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('sends the real token to the peer and records only {{secrets.API_TOKEN}}, even when it is echoed', async () => {
    const steps = [
      planStep(1, 'http_call', {
        url: `${peer.url}/echo?key={{secrets.API_TOKEN}}`,
        headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}' },
      }),
      planStep(2, 'echo', { message: '{{s1.body.you_sent}}' }),
      planStep(3, 'http_call', { url: `${peer.url}/deny`, headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}' } }),
    ];
    // A plan the validator accepts: the credentials are references.
    const plan = await validatePlan(
      { plan_id: 'p', planner: 'rules', planner_version: 't', goal: 'g', steps, metadata: {} },
      { registry: createSkillRegistry(), env },
    );
    expect(plan.steps).toHaveLength(3);
    const run = await createPlannedRun(db, { tenantId: tenant, steps });
    const deps = testDeps(env);
    const { run: done } = await executeRunAttempt(db, run.id, deps);

    // The peer got the real credential.
    const echoed = peer.requests.filter((r) => r.pathname === '/echo');
    expect(echoed.map((r) => [r.headers.authorization, r.path])).toEqual([[`Bearer ${token}`, `/echo?key=${token}`]]);
    expect(peer.requests.filter((r) => r.pathname === '/deny').map((r) => r.headers.authorization)).toEqual([
      `Bearer ${token}`,
    ]);

    expect(done.status).toBe('failed');
    expect(done.error_message).toMatch(
      /^step_failed:s3:.*HTTP 401: \{"error":"invalid credential Bearer \{\{secrets\.API_TOKEN\}\}"\}$/,
    );
    const rows = await db
      .selectFrom('aos_trace_steps')
      .select(['plan_step_id', 'status', 'params', 'outcome_data', 'error'])
      .where('run_id', '=', run.id)
      .orderBy('step_index')
      .execute();
    // http_call has side effects: a `started` row (commit before act) precedes its outcome row,
    // and holds the same redacted params.
    const started = rows.filter((r) => r.status === 'started');
    expect(started.map((r) => r.plan_step_id)).toEqual(['s1', 's3']);
    expect(started[0]?.params).toEqual(rows.find((r) => r.plan_step_id === 's1' && r.status !== 'started')?.params);
    const stored = rows.filter((r) => r.status !== 'started');
    expect(stored[0]?.params).toEqual({
      url: `${peer.url}/echo?key={{secrets.API_TOKEN}}`,
      headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}' },
    });
    expect(stored[0]?.outcome_data).toMatchObject({
      headers: { 'x-echo': 'Bearer {{secrets.API_TOKEN}}' },
      body: { you_sent: 'Bearer {{secrets.API_TOKEN}}', path: '/echo?key={{secrets.API_TOKEN}}' },
    });
    // The next step got the redacted output, never the value.
    expect(stored[1]?.outcome_data).toEqual({ message: 'Bearer {{secrets.API_TOKEN}}' });
    expect(stored[2]?.error).toContain('invalid credential Bearer {{secrets.API_TOKEN}}');

    // No row of any table, no proof bundle, no event holds the value.
    expect(await rowsContaining(db, token)).toEqual({});
    expect(await rowsContaining(db, '{{secrets.API_TOKEN}}')).toMatchObject({ aos_trace_steps: 5 });
    const bundle = join(scratch, `${run.id}.json`);
    await exportProofBundleToFile(db, tenant, run.id, bundle);
    const bundleText = readFileSync(bundle, 'utf8');
    expect(bundleText).toContain('Bearer {{secrets.API_TOKEN}}');
    expect(bundleText).not.toContain(token);
    expect(JSON.stringify(deps.events)).not.toContain(token);
    // The record of what happened is still whole.
    const proof = await getRunProof(db, tenant, run.id, { trustedKeys: [TEST_SIGNING_KEY.verifierKey] });
    expect(proof.integrity.verification_status).toBe('VERIFIED');
  });

  it('never resolves a secret template that a peer answer brings in', async () => {
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [
        planStep(1, 'http_call', { url: `${peer.url}/inject` }),
        // OTHER is resolved for this step (its header), so only the single pass keeps it out of the body.
        planStep(2, 'http_call', {
          url: `${peer.url}/collect`,
          method: 'POST',
          headers: { 'X-Api-Key': '{{secrets.OTHER}}' },
          body: '{{s1.body}}',
        }),
      ],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps(env));
    expect(done.status).toBe('succeeded');
    const collected = peer.requests.filter((r) => r.pathname === '/collect').at(-1);
    expect(collected?.headers['x-api-key']).toBe(other);
    expect(collected?.text).toBe('please send {{secrets.OTHER}}');
    expect(await rowsContaining(db, other)).toEqual({});
  });

  it('fails the step for good, naming the secret, when the tenant has no such secret', async () => {
    const before = peer.requests.length;
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      maxAttempts: 3,
      steps: [
        planStep(
          1,
          'http_call',
          { url: `${peer.url}/echo`, headers: { Authorization: 'Bearer {{secrets.NOT_SET}}' } },
          { retry_count: 3 },
        ),
      ],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps(env));
    expect(done.status).toBe('failed');
    expect(done.error_message).toBe(
      'step_failed:s1:params.headers.Authorization: secret NOT_SET is not set for this tenant (cus-cli secrets set NOT_SET)',
    );
    const stored = await db
      .selectFrom('aos_trace_steps')
      .select(['status', 'outcome_code', 'outcome_category', 'params'])
      .where('run_id', '=', run.id)
      .execute();
    expect(stored).toEqual([
      {
        status: 'failure',
        outcome_code: 'SECRET_NOT_FOUND',
        outcome_category: 'validation',
        params: { url: `${peer.url}/echo`, headers: { Authorization: 'Bearer {{secrets.NOT_SET}}' } },
      },
    ]);
    expect(peer.requests.length).toBe(before);
  });

  it('does not hand one tenant another tenant’s secret of the same name', async () => {
    const stranger = `stranger-${randomUUID()}`;
    const run = await createPlannedRun(db, {
      tenantId: stranger,
      steps: [planStep(1, 'echo', { message: '{{secrets.API_TOKEN}}' })],
    });
    const { run: done } = await executeRunAttempt(db, run.id, testDeps(env));
    expect(done.status).toBe('failed');
    expect(done.error_message).toContain('secret API_TOKEN is not set for this tenant');
  });
});
