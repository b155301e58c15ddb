import { expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import { cliOn, createAgentViaCli, field, query } from './cli-harness';

const TENANT = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const GOAL = 'Run proof v3 validation run';

describeEachDriver('cus-cli seed scenario: run with origin, then a VERIFIED proof', (t) => {
  it('creates an agent, runs the goal verbosely, stores run/trace/steps, and proves the run', async () => {
    const agentId = await createAgentViaCli(t, ['--name', 'seed-agent', '--tenant-id', TENANT]);

    const run = await cliOn(t, [
      'run',
      '--agent-id',
      agentId,
      '--goal',
      GOAL,
      '--tenant-id',
      TENANT,
      '--origin-system-id',
      'run-proof-v3',
      '--verbose',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const runId = field(run.stdout, 'Run ID');
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    // The summary closes stdout, in this order.
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      `Run ID: ${runId}`,
      'Status: succeeded',
      expect.stringMatching(/^Steps executed: [1-9]\d*$/),
    ]);
    // The verbose narration, in the order docs/cus-cli.md shows, on stderr.
    const narration = [
      `Creating run for agent ${agentId}...`,
      `Goal: ${GOAL}`,
      `Run created: ${runId}`,
      'Executing...',
      'Status: succeeded',
    ];
    const positions = narration.map((line) => run.stderr.indexOf(line));
    expect(
      positions.every((p) => p >= 0),
      run.stderr,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(run.stderr).toMatch(/\[1\/1\] s1 echo: success/);

    const stored = await query(t, async (db) => ({
      run: await db.selectFrom('runs').selectAll().where('id', '=', runId!).executeTakeFirstOrThrow(),
      traces: await db.selectFrom('aos_traces').selectAll().where('run_id', '=', runId!).execute(),
      steps: await db
        .selectFrom('aos_trace_steps')
        .selectAll()
        .where('run_id', '=', runId!)
        .orderBy('step_index')
        .execute(),
    }));
    expect(stored.run.tenant_id).toBe(TENANT);
    expect(stored.run.origin_system_id).toBe('run-proof-v3');
    expect(stored.run.status).toBe('succeeded');
    expect(stored.run.plan_json).not.toBeNull();
    expect(stored.traces).toHaveLength(1);
    expect(stored.traces[0]?.tenant_id).toBe(TENANT);
    expect(stored.steps.length).toBeGreaterThan(0);
    expect(stored.steps.every((s) => s.tenant_id === TENANT && s.trace_id === stored.traces[0]?.trace_id)).toBe(true);
    expect(Number(field(run.stdout, 'Steps executed'))).toBe(stored.steps.length);

    const proof = await cliOn(t, ['proof', runId!, '--tenant-id', TENANT]);
    expect(proof.code, proof.stdout + proof.stderr).toBe(0);
    expect(field(proof.stdout, 'integrity_model')).toBe('HASH_CHAIN');
    expect(field(proof.stdout, 'verification_status')).toBe('VERIFIED');
    expect(field(proof.stdout, 'chain_length')).toBe(String(stored.steps.length));
    expect(field(proof.stdout, 'step_count')).toBe(String(stored.steps.length));
    expect(field(proof.stdout, 'root_hash')).toMatch(/^[0-9a-f]{64}$/);
    expect(field(proof.stdout, 'root_hash')).toBe(stored.steps.at(-1)?.step_hash);
    expect(field(proof.stdout, 'merkle_root')).toMatch(/^[0-9a-f]{64}$/);
    expect(field(proof.stdout, 'trace_count')).toBe('1');
    expect(field(proof.stdout, 'failure_reason')).toBeUndefined();
  });
});
