import { randomUUID } from 'node:crypto';
import { createRun } from '@aos/core/runs';
import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import { AgentJsonSchema, CancelRunJsonSchema, CreateAgentJsonSchema, ListAgentsJsonSchema } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';

// The agent and run lifecycle commands as a customer types them, on both drivers: the facade
// and HTTP routes have their own tests (core agent-run-lifecycle, server lifecycle routes).

describeEachDriver('cus-cli get-agent, pause-agent, resume-agent, archive-agent, cancel-run', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  const json = async <T>(args: string[], schema: { parse(value: unknown): T }): Promise<T> => {
    const result = await cliOn(t, [...args, '--json', '--tenant-id', tenant]);
    expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0);
    return schema.parse(JSON.parse(result.stdout));
  };

  it('an agent is read, paused (no new run), resumed, archived for good; never deleted', async () => {
    const { agent } = await json(['create-agent', '--name', 'lifecycle'], CreateAgentJsonSchema);
    const shown = await cliOn(t, ['get-agent', agent.id, '--tenant-id', tenant]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Agent ID: ${agent.id}\nName: lifecycle\n`);
    expect(shown.stdout).toContain('Status: active\n');

    expect((await json(['pause-agent', agent.id], AgentJsonSchema)).agent.status).toBe('paused');
    const refused = await cliOn(t, ['run', '-a', agent.id, '-g', 'echo hi', '--tenant-id', tenant]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: .*paused/m);
    expect(
      await query(t, (db) => db.selectFrom('runs').select('id').where('agent_id', '=', agent.id).execute()),
    ).toEqual([]);

    expect((await json(['resume-agent', agent.id], AgentJsonSchema)).agent.status).toBe('active');
    expect((await json(['archive-agent', agent.id], AgentJsonSchema)).agent.status).toBe('archived');
    const resumed = await cliOn(t, ['resume-agent', agent.id, '--tenant-id', tenant]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr.trim().split('\n')).toHaveLength(1);
    expect(resumed.stderr).toContain('archived');
    const listed = await json(['list-agents'], ListAgentsJsonSchema);
    expect(listed.agents.find((a) => a.id === agent.id)?.status).toBe('archived');
  });

  it('another tenant’s agent is not found (exit 3), as a missing one is', async () => {
    const { agent } = await json(['create-agent', '--name', 'mine'], CreateAgentJsonSchema);
    for (const command of ['get-agent', 'pause-agent', 'archive-agent']) {
      const other = await cliOn(t, [command, agent.id, '--tenant-id', `other-${randomUUID()}`]);
      const missing = await cliOn(t, [command, randomUUID(), '--tenant-id', tenant]);
      expect([other.code, missing.code], command).toEqual([3, 3]);
    }
    const { agent: after } = await json(['get-agent', agent.id], AgentJsonSchema);
    expect(after.status).toBe('active');
  });

  it('cancel-run: a queued run ends halted "cancelled", its proof VERIFIED; a finished run is refused (exit 2)', async () => {
    const { agent } = await json(['create-agent', '--name', 'to-cancel'], CreateAgentJsonSchema);
    // A run left queued (as a crashed process or a busy worker pool leaves it).
    const { run } = await query(t, (db) => createRun(db, { tenantId: tenant, agentId: agent.id, goal: 'echo later' }));
    const cancelled = await json(['cancel-run', run.id], CancelRunJsonSchema);
    expect(cancelled).toMatchObject({ run_id: run.id, status: 'halted', error: 'cancelled' });
    const proof = await cliOn(t, ['proof', run.id, '--tenant-id', tenant]);
    expect(proof.code, proof.stdout + proof.stderr).toBe(0);
    expect(proof.stdout).toMatch(/^verification_status: VERIFIED$/m);
    const again = await cliOn(t, ['cancel-run', run.id, '--tenant-id', tenant]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    const elsewhere = await cliOn(t, ['cancel-run', run.id, '--tenant-id', `other-${randomUUID()}`]);
    expect(elsewhere.code).toBe(3);
  });

  it('list-agents pages with --limit and --cursor, and says how to get the next page', async () => {
    for (const name of ['p1', 'p2']) await json(['create-agent', '--name', name], CreateAgentJsonSchema);
    const first = await json(['list-agents', '--limit', '1'], ListAgentsJsonSchema);
    expect(first.agents).toHaveLength(1);
    expect(first.next_cursor).not.toBeNull();
    const human = await cliOn(t, ['list-agents', '--limit', '1', '--tenant-id', tenant]);
    expect(human.stderr).toMatch(/^Next page: cus-cli list-agents .*--cursor \S+$/m);
    const second = await json(['list-agents', '--limit', '1', '--cursor', first.next_cursor!], ListAgentsJsonSchema);
    expect(second.agents[0]?.id).not.toBe(first.agents[0]?.id);
  });
});
