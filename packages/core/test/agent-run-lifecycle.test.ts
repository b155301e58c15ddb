import { describeEachDriver } from '@aos/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { AgentListViewSchema, AgentViewSchema, RunViewSchema, openAos, type Aos } from '../src/index';
import { openDatabase } from '../src/testing';

// Issue 16: agents are paged, paused, resumed and archived (never deleted); a queued run can be
// cancelled and its cancellation is sealed and verifiable. Another tenant's agent or run is
// exactly as missing as one that does not exist.

describeEachDriver('agent and run lifecycle through the facade', (t) => {
  let aos: Aos;

  beforeAll(async () => {
    await t.store();
    await t.release();
    aos = await openAos({ env: t.env, databaseUrl: t.url });
  });
  afterAll(async () => {
    await aos?.close();
  });

  it('pages agents with a cursor: every agent once, in order, then next_cursor null', async () => {
    const made = [];
    for (let i = 0; i < 5; i += 1) made.push(await aos.agents.create({ name: `pager-${i}`, tenantId: 'pages' }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      const page = AgentListViewSchema.parse(await aos.agents.list({ tenantId: 'pages', limit: 2, cursor }));
      pages += 1;
      seen.push(...page.agents.map((a) => a.id));
      if (page.next_cursor === null) break;
      cursor = page.next_cursor;
    }
    expect(seen).toEqual(made.map((a) => a.id));
    expect(pages).toBe(3);
    expect((await aos.agents.list({ tenantId: 'pages' })).agents).toHaveLength(5);
    await expect(aos.agents.list({ tenantId: 'pages', cursor: 'nope' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('list-agents') as unknown,
    });
    await expect(aos.agents.list({ tenantId: 'pages', limit: 1001 })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('pauses, resumes and archives an agent; paused and archived agents start no run; archived is final', async () => {
    const agent = await aos.agents.create({ name: 'cycle', tenantId: 'acme' });
    expect(AgentViewSchema.parse(await aos.agents.get({ tenantId: 'acme', agentId: agent.id }))).toEqual(agent);
    const ref = { tenantId: 'acme', agentId: agent.id };
    expect((await aos.agents.pause(ref)).status).toBe('paused');
    expect((await aos.agents.pause(ref)).status).toBe('paused');
    await expect(aos.runs.create({ tenantId: 'acme', agentId: agent.id, goal: 'echo no' })).rejects.toMatchObject({
      code: 'AGENT_NOT_ACTIVE',
      message: expect.stringContaining('paused') as unknown,
    });
    expect((await aos.agents.resume(ref)).status).toBe('active');
    const { run } = await aos.runs.create({ tenantId: 'acme', agentId: agent.id, goal: 'echo yes' });
    expect(run.status).toBe('queued');
    expect((await aos.agents.archive(ref)).status).toBe('archived');
    await expect(aos.agents.resume(ref)).rejects.toMatchObject({ code: 'AGENT_ARCHIVED' });
    await expect(aos.agents.pause(ref)).rejects.toMatchObject({ code: 'AGENT_ARCHIVED' });
    await expect(aos.runs.create({ tenantId: 'acme', agentId: agent.id, goal: 'echo no' })).rejects.toMatchObject({
      code: 'AGENT_NOT_ACTIVE',
      message: expect.stringContaining('archived') as unknown,
    });
    // Kept (its run refers to it) and listed as archived.
    const listed = (await aos.agents.list({ tenantId: 'acme' })).agents.find((a) => a.id === agent.id);
    expect(listed?.status).toBe('archived');
    expect((await aos.runs.get({ tenantId: 'acme', runId: run.id })).run.agent_id).toBe(agent.id);
  });

  it('the database refuses to bring an archived agent back, whoever asks', async () => {
    const agent = await aos.agents.create({ name: 'final', tenantId: 'acme' });
    await aos.agents.archive({ tenantId: 'acme', agentId: agent.id });
    await aos.close();
    const store = await openDatabase({ env: t.env, url: t.url });
    try {
      await expect(
        sql`UPDATE agents SET status = 'active' WHERE id = ${agent.id}`.execute(store.forTenant('acme')),
      ).rejects.toThrow(/archived agent .* is final/);
      await expect(
        sql`UPDATE agents SET status = 'active' WHERE id = ${agent.id}`.execute(store.admin),
      ).rejects.toThrow(/archived agent .* is final/);
    } finally {
      await store.close();
      aos = await openAos({ env: t.env, databaseUrl: t.url });
    }
  });

  it("another tenant's agent is not found, and a shared agent is the operator's", async () => {
    const agent = await aos.agents.create({ name: 'mine', tenantId: 'acme' });
    for (const action of ['get', 'pause', 'resume', 'archive'] as const) {
      await expect(aos.agents[action]({ tenantId: 'other', agentId: agent.id })).rejects.toMatchObject({
        code: 'AGENT_NOT_FOUND',
      });
    }
    expect((await aos.agents.get({ tenantId: 'acme', agentId: agent.id })).status).toBe('active');
    const shared = await aos.agents.create({ name: 'shared' });
    expect((await aos.agents.get({ tenantId: 'other', agentId: shared.id })).tenant_id).toBeNull();
    await expect(aos.agents.pause({ tenantId: 'other', agentId: shared.id })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await aos.agents.get({ tenantId: 'other', agentId: shared.id })).status).toBe('active');
  });

  it('cancels a queued run: halted, "cancelled", its trace sealed and its proof VERIFIED', async () => {
    const agent = await aos.agents.create({ name: 'cancel', tenantId: 'acme' });
    const { run } = await aos.runs.create({ tenantId: 'acme', agentId: agent.id, goal: 'echo never' });
    await expect(aos.runs.cancel({ tenantId: 'other', runId: run.id })).rejects.toMatchObject({
      code: 'RUN_NOT_FOUND',
    });
    const cancelled = RunViewSchema.parse(await aos.runs.cancel({ tenantId: 'acme', runId: run.id }));
    expect(cancelled).toMatchObject({ id: run.id, status: 'halted', error_message: 'cancelled', attempts: 0 });
    const details = await aos.runs.get({ tenantId: 'acme', runId: run.id });
    expect(details.trace).toMatchObject({ status: 'aborted', chain_length: 0 });
    expect(details.trace?.sealed_at).not.toBeNull();
    expect(details.steps).toEqual([]);
    expect(details.receipt).not.toBeNull();
    const proof = await aos.proofs.verify({ tenantId: 'acme', runId: run.id });
    expect(proof.integrity.verification_status).toBe('VERIFIED');
    expect(proof.integrity.failure_reason).toBeNull();
    // Terminal: not again, and it never runs.
    await expect(aos.runs.cancel({ tenantId: 'acme', runId: run.id })).rejects.toMatchObject({
      code: 'RUN_FINISHED',
      message: expect.stringContaining('halted') as unknown,
    });
    const executed = await aos.runs.execute({ tenantId: 'acme', runId: run.id });
    expect(executed).toMatchObject({ steps_executed: 0, run: { status: 'halted' } });
  });

  it('refuses to cancel a finished run, and a run a worker is executing', async () => {
    const agent = await aos.agents.create({ name: 'done', tenantId: 'acme' });
    const { run } = await aos.runs.run({ tenantId: 'acme', agentId: agent.id, goal: 'echo done' });
    expect(run.status).toBe('succeeded');
    await expect(aos.runs.cancel({ tenantId: 'acme', runId: run.id })).rejects.toMatchObject({
      code: 'RUN_FINISHED',
    });
    const { run: queued } = await aos.runs.create({ tenantId: 'acme', agentId: agent.id, goal: 'echo busy' });
    // Stand in for a worker holding the run: running under a live lease.
    await aos.close();
    const store = await openDatabase({ env: t.env, url: t.url });
    try {
      await sql`UPDATE runs SET status = 'running', lease_epoch = lease_epoch + 1, lease_owner = 'worker-x',
                 lease_expires_at = now() + interval '30 seconds' WHERE id = ${queued.id}`.execute(
        store.forTenant('acme'),
      );
    } finally {
      await store.close();
      aos = await openAos({ env: t.env, databaseUrl: t.url });
    }
    await expect(aos.runs.cancel({ tenantId: 'acme', runId: queued.id })).rejects.toMatchObject({
      code: 'RUN_EXECUTING',
      message: expect.stringContaining('try again') as unknown,
    });
    expect((await aos.runs.get({ tenantId: 'acme', runId: queued.id })).run).toMatchObject({
      status: 'running',
      error_message: null,
    });
  });
});
