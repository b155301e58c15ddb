import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIGNING_KEY_FILE } from '@aos/proof/node';
import { verifyProofBundleFile } from '@aos/proof/node';
import { describeEachDriver } from '@aos/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withOps } from '@aos/core/ops';
import {
  AgentViewSchema,
  BudgetViewSchema,
  ProofReportSchema,
  RunDetailsViewSchema,
  RunViewSchema,
  SecretViewSchema,
  SetSecretOutcomeSchema,
  SkillViewSchema,
  openAos,
  withAos,
  type Aos,
} from '../src/index';

// The facade is the contract the HTTP API and the remote client implement: what it returns must
// be plain JSON data of the documented shapes, and opening it must not touch the private key.

const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describeEachDriver('the Aos facade', (t) => {
  let aos: Aos;
  let exportDir: string;

  beforeAll(async () => {
    await t.store(); // create the database, then hand it to the facade
    await t.release();
    exportDir = mkdtempSync(join(tmpdir(), 'aos-facade-export-'));
  });
  afterAll(async () => {
    await aos?.close();
    rmSync(exportDir, { recursive: true, force: true });
  });

  it('opens, lists and reads without loading or creating the signing key', async () => {
    aos = await openAos({ env: t.env, databaseUrl: t.url });
    const agent = await aos.agents.create({ name: 'facade', tenantId: 'acme' });
    await aos.agents.list({ tenantId: 'acme' });
    await aos.runs.list({ tenantId: 'acme', limit: 5 });
    await aos.secrets.list({ tenantId: 'acme' });
    await aos.proofs.trustedKeys();
    expect(AgentViewSchema.parse(agent)).toEqual(agent);
    expect(existsSync(join(t.home, SIGNING_KEY_FILE))).toBe(false);
  });

  it('returns plain data of the contract shapes, from the run to its proof', async () => {
    const [agent] = (await aos.agents.list({ tenantId: 'acme' })).agents;
    const outcome = await aos.runs.run({ tenantId: 'acme', agentId: agent!.id, goal: 'echo facade' });
    // Running seals, so it is the one call that loads (here: creates) the key.
    expect(existsSync(join(t.home, SIGNING_KEY_FILE))).toBe(true);
    expect(plain(outcome)).toEqual(outcome);
    expect(outcome).toMatchObject({ created: true, steps_executed: 1 });
    expect(RunViewSchema.parse(outcome.run).status).toBe('succeeded');

    const ref = { tenantId: 'acme', runId: outcome.run.id };
    const details = await aos.runs.get(ref);
    expect(plain(details)).toEqual(details);
    expect(RunDetailsViewSchema.parse(details).steps).toHaveLength(1);
    expect(await aos.runs.list({ tenantId: 'acme', limit: 1 })).toEqual({ runs: [outcome.run], next_cursor: null });

    const report = await aos.proofs.verify(ref);
    expect(plain(report)).toEqual(report);
    expect(ProofReportSchema.parse(report).integrity.verification_status).toBe('VERIFIED');
    expect(report.trusted_keys.current).not.toBeNull();
    expect(report.trusted_keys.keys).toContain(report.trusted_keys.current);

    const file = join(exportDir, 'run.proof.json');
    expect(await aos.proofs.exportBundle({ ...ref, target: file })).toEqual({ format: 'aos.proof-bundle.v2' });
    const offline = await verifyProofBundleFile(file, { trustedKeys: report.trusted_keys.keys });
    expect(offline.verification_status).toBe('VERIFIED');
    const step = await aos.proofs.stepProof({ ...ref, stepIndex: 0 });
    expect(step).toMatchObject({ format: 'aos.step-proof.v2', index: 1 });
    expect(readFileSync(file, 'utf8')).toContain(step.leaf_hash);
  });

  it('answers another tenant exactly as a missing run: RUN_NOT_FOUND, for the run and its proof', async () => {
    const {
      runs: [run],
    } = await aos.runs.list({ tenantId: 'acme', limit: 1 });
    const foreign = { tenantId: 'other', runId: run!.id };
    const missing = { tenantId: 'acme', runId: '00000000-0000-4000-8000-000000000000' };
    for (const ref of [foreign, missing]) {
      await expect(aos.runs.get(ref)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
      await expect(aos.proofs.verify(ref)).rejects.toMatchObject({ code: 'RUN_NOT_FOUND' });
    }
  });

  it('creates a run without executing it, then executes it for its tenant only', async () => {
    const [agent] = (await aos.agents.list({ tenantId: 'acme' })).agents;
    const input = { tenantId: 'acme', agentId: agent!.id, goal: 'echo later', idempotencyKey: 'later-1' };
    const { run, created } = await aos.runs.create(input);
    expect(created).toBe(true);
    expect(run.status).toBe('queued');
    expect(await aos.runs.create(input)).toEqual({ run, created: false });
    await expect(aos.runs.execute({ tenantId: 'other', runId: run.id })).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
    });
    expect((await aos.runs.get({ tenantId: 'acme', runId: run.id })).run.status).toBe('queued');
    const events: string[] = [];
    const outcome = await aos.runs.execute(
      { tenantId: 'acme', runId: run.id },
      { onEvent: (e) => events.push(e.type) },
    );
    expect(outcome).toMatchObject({ created: false, steps_executed: 1, run: { id: run.id, status: 'succeeded' } });
    expect(events).toContain('finished');
    // A finished run comes back as it is: nothing runs twice.
    const again = await aos.runs.execute({ tenantId: 'acme', runId: run.id });
    expect(again.steps_executed).toBe(0);
    expect(again.run).toEqual(outcome.run);
  });

  it('stores secrets without ever returning a value, and deletes them', async () => {
    const stored = await aos.secrets.set({ tenantId: 'acme', name: 'API_TOKEN', value: 'facade-secret-value' });
    expect(SetSecretOutcomeSchema.parse(stored)).toEqual(stored);
    expect(stored.created).toBe(true);
    expect((await aos.secrets.set({ tenantId: 'acme', name: 'API_TOKEN', value: 'v2' })).created).toBe(false);
    const listed = await aos.secrets.list({ tenantId: 'acme' });
    expect(listed.map((s) => SecretViewSchema.parse(s).name)).toEqual(['API_TOKEN']);
    expect(JSON.stringify(listed)).not.toContain('facade-secret-value');
    expect(await aos.secrets.delete({ tenantId: 'acme', name: 'API_TOKEN' })).toMatchObject({ name: 'API_TOKEN' });
    await expect(aos.secrets.delete({ tenantId: 'acme', name: 'API_TOKEN' })).rejects.toMatchObject({
      code: 'SECRET_NOT_FOUND',
    });
  });

  it('lists the registry’s skills with their input JSON Schemas', async () => {
    const skills = await aos.skills.list();
    expect(skills.map((s) => SkillViewSchema.parse(s).name)).toContain('echo');
    expect(plain(skills)).toEqual(skills);
  });

  it('reads a tenant’s budget: the defaults, then its own limits, with the spend the operator sees', async () => {
    const before = await aos.budget.get({ tenantId: 'acme' });
    expect(BudgetViewSchema.parse(before)).toEqual(before);
    expect(before.quota).toMatchObject({ tenant_id: 'acme', source: 'default', daily_limit_cents: 10_000 });
    // The embedded database has one user at a time: the facade steps aside for the operator.
    await aos.close();
    const operator = await withOps({ env: t.env, databaseUrl: t.url }, (ops) =>
      ops.quotas.set('acme', { daily_limit_cents: 2_500, hard_limit: false }),
    );
    aos = await openAos({ env: t.env, databaseUrl: t.url });
    const after = await aos.budget.get({ tenantId: 'acme' });
    expect(after).toEqual(plain(operator));
    expect(after.quota).toMatchObject({ source: 'stored', daily_limit_cents: 2_500, hard_limit: false });
    // Another tenant's limits are its own.
    expect((await aos.budget.get({ tenantId: 'globex' })).quota.source).toBe('default');
    await expect(aos.budget.get({ tenantId: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses bad input with a stable code and writes nothing', async () => {
    await expect(aos.agents.create({ name: '', tenantId: 'acme' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(aos.runs.list({ tenantId: 'acme', limit: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await aos.agents.list({ tenantId: 'acme' })).agents).toHaveLength(1);
  });

  it('withAos closes after the work, also when the work fails', async () => {
    await aos.close();
    await expect(
      withAos({ env: t.env, databaseUrl: t.url }, () => Promise.reject(new Error('work failed'))),
    ).rejects.toThrow('work failed');
    // The embedded directory's lock was released: opening again succeeds at once.
    const count = await withAos({ env: t.env, databaseUrl: t.url }, async (again) => again.agents.list());
    expect(count.agents).toHaveLength(1);
    aos = await openAos({ env: t.env, databaseUrl: t.url });
  });
});
