import { randomUUID } from 'node:crypto';
import { beforeAll, expect, it } from 'vitest';
import type { z } from 'zod';
import { describeEachDriver } from '@aos/testkit';
import { ErrorJsonSchema, HelpJsonSchema, VersionJsonSchema } from '@aos/proof/cli-kit/schemas';
import {
  CreateAgentJsonSchema,
  GetRunJsonSchema,
  ListAgentsJsonSchema,
  ListRunsJsonSchema,
  ListSkillsJsonSchema,
  ProofJsonSchema,
  RunCommandJsonSchema,
} from '../src/json-shapes';
import { main } from '../src/main';
import { bufferIo, cliOn, type CliResult } from './cli-harness';

/** stdout must be exactly one JSON document (JSON.parse refuses two) of the given shape. */
function document<T>(result: CliResult, schema: z.ZodType<T>): T {
  expect(result.stdout.endsWith('}\n'), result.stdout).toBe(true);
  return schema.parse(JSON.parse(result.stdout));
}

describeEachDriver('cus-cli --json', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  let agentId: string;
  let runId: string;

  beforeAll(async () => {
    const created = await cliOn(t, [
      'create-agent',
      '--json',
      '-n',
      'json-agent',
      '--tenant-id',
      tenant,
      '--budget-cents',
      '5000',
      '--description',
      'for JSON tests',
    ]);
    expect(created.code).toBe(0);
    const { agent } = document(created, CreateAgentJsonSchema);
    expect(agent).toMatchObject({
      name: 'json-agent',
      tenant_id: tenant,
      budget_cents: 5000,
      description: 'for JSON tests',
      status: 'active',
    });
    agentId = agent.id;
    const run = await cliOn(t, ['run', '--json', '-a', agentId, '-g', 'echo hello json', '--tenant-id', tenant]);
    expect(run.code).toBe(0);
    runId = document(run, RunCommandJsonSchema).run_id;
  });

  it('run: the run, its status and the steps this command executed; nothing on stderr without --verbose', async () => {
    const result = await cliOn(t, [
      'run',
      '--json',
      '-a',
      agentId,
      '-g',
      'echo again',
      '--tenant-id',
      tenant,
      '--idempotency-key',
      'k1',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const doc = document(result, RunCommandJsonSchema);
    expect(doc).toMatchObject({ status: 'succeeded', steps_executed: 1, error: null, created: true });
    expect(doc.run).toMatchObject({
      id: doc.run_id,
      tenant_id: tenant,
      agent_id: agentId,
      origin_system_id: 'cus-cli',
      idempotency_key: 'k1',
    });
    const verbose = await cliOn(t, ['run', '--json', '-v', '-a', agentId, '-g', 'echo loud', '--tenant-id', tenant]);
    expect(document(verbose, RunCommandJsonSchema).status).toBe('succeeded');
    expect(verbose.stderr).toMatch(/^Creating run for agent /);
  });

  it('run that fails: still the run document, exit 4', async () => {
    const result = await cliOn(t, [
      'run',
      '--json',
      '-a',
      agentId,
      '-g',
      'fetch http://10.0.0.1/',
      '--tenant-id',
      tenant,
    ]);
    expect(result.code).toBe(4);
    const doc = document(result, RunCommandJsonSchema);
    expect(doc.status).toBe('failed');
    expect(doc.error).toMatch(/^plan_generation_failed: /);
  });

  it('list-agents, with and without a tenant', async () => {
    const shared = await cliOn(t, ['create-agent', '--json', '-n', 'shared-agent']);
    const sharedId = document(shared, CreateAgentJsonSchema).agent.id;
    const mine = document(
      await cliOn(t, ['list-agents', '--json', '--tenant-id', tenant]),
      ListAgentsJsonSchema,
    ).agents.map((a) => a.id);
    expect(mine).toEqual(expect.arrayContaining([agentId, sharedId]));
    const other = document(
      await cliOn(t, ['list-agents', '--json', '--tenant-id', 'someone-else']),
      ListAgentsJsonSchema,
    ).agents.map((a) => a.id);
    expect(other).toContain(sharedId);
    expect(other).not.toContain(agentId);
    const all = document(await cliOn(t, ['list-agents', '--json']), ListAgentsJsonSchema).agents.map((a) => a.id);
    expect(all).toEqual(expect.arrayContaining([agentId, sharedId]));
  });

  it('get-run: run with plan, sealed trace and steps', async () => {
    const doc = document(await cliOn(t, ['get-run', runId, '--tenant-id', tenant, '--json']), GetRunJsonSchema);
    expect(doc.run.id).toBe(runId);
    expect(doc.run.plan).toMatchObject({
      planner: 'rules',
      steps: [expect.objectContaining({ step_id: 's1', skill: 'echo' })],
    });
    expect(doc.trace).toMatchObject({ trace_id: `trace_${runId}`, status: 'completed', chain_length: 1 });
    expect(doc.steps.map((s) => [s.step_index, s.plan_step_id, s.skill_name, s.status])).toEqual([
      [0, 's1', 'echo', 'success'],
    ]);
    expect(doc.trace?.root_hash).toBe(doc.steps[0]?.step_hash);
  });

  it('list-runs: newest first, filtered and limited', async () => {
    const all = document(await cliOn(t, ['list-runs', '--json', '--tenant-id', tenant]), ListRunsJsonSchema).runs;
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.every((r) => r.tenant_id === tenant)).toBe(true);
    const times = all.map((r) => r.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const failed = document(
      await cliOn(t, ['list-runs', '--json', '--tenant-id', tenant, '--status', 'failed']),
      ListRunsJsonSchema,
    ).runs;
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((r) => r.status === 'failed')).toBe(true);
    const one = document(
      await cliOn(t, ['list-runs', '--json', '--tenant-id', tenant, '--limit', '1']),
      ListRunsJsonSchema,
    ).runs;
    expect(one).toHaveLength(1);
    expect(document(await cliOn(t, ['list-runs', '--json', '--tenant-id', 'nobody']), ListRunsJsonSchema).runs).toEqual(
      [],
    );
  });

  it('list-skills: every skill with its input schema', async () => {
    const { skills } = document(await cliOn(t, ['list-skills', '--json']), ListSkillsJsonSchema);
    expect(skills.map((s) => s.name)).toEqual(
      expect.arrayContaining(['http_call', 'json_transform', 'echo', 'llm_invoke']),
    );
    expect(skills.find((s) => s.name === 'echo')).toMatchObject({
      deterministic: true,
      network: false,
      input_schema: expect.objectContaining({ type: 'object' }),
    });
  });

  it('proof: the verdict with counts', async () => {
    const doc = document(await cliOn(t, ['proof', runId, '--tenant-id', tenant, '--json']), ProofJsonSchema);
    expect(doc).toMatchObject({ run_id: runId, trace_count: 1, step_count: 1, export: null });
    expect(doc.integrity).toMatchObject({
      model: 'HASH_CHAIN',
      verification_status: 'VERIFIED',
      chain_length: 1,
      failure_reason: null,
      signature_valid: true,
    });
  });

  it('errors of every kind are one {"error":{code,message}} document, with the exit code of their kind', async () => {
    const cases: [string[], number, string][] = [
      [['run', '--json', '-a', agentId, '-g', 'echo'], 2, 'USAGE'],
      [['list-runs', '--json', '--tenant-id', tenant, '--bogus'], 2, 'USAGE'],
      [['--json'], 2, 'USAGE'],
      [['run', '--json', '-a', 'nope', '-g', 'echo', '--tenant-id', tenant], 2, 'INVALID_INPUT'],
      [['create-agent', '--json', '-n', ''], 2, 'INVALID_INPUT'],
      [['get-run', randomUUID(), '--tenant-id', tenant, '--json'], 3, 'RUN_NOT_FOUND'],
      [['proof', randomUUID(), '--tenant-id', tenant, '--json'], 3, 'RUN_NOT_FOUND'],
      [['run', '--json', '-a', randomUUID(), '-g', 'echo', '--tenant-id', tenant], 3, 'AGENT_NOT_FOUND'],
      [['list-agents', '--json', '--database-url', 'postgres://nobody@127.0.0.1:1/none'], 1, 'DB_OPEN_FAILED'],
    ];
    for (const [args, code, errorCode] of cases) {
      const result = await cliOn(t, args);
      expect(result.code, args.join(' ')).toBe(code);
      const { error } = document(result, ErrorJsonSchema);
      expect(error.code, args.join(' ')).toBe(errorCode);
      expect(error.message).not.toContain('\n');
      expect(result.stderr).toBe('');
    }
  });

  it('--help and --version are JSON documents too', async () => {
    expect(document(await cliOn(t, ['--version', '--json']), VersionJsonSchema).version).toMatch(/^\d+\.\d+\.\d+/);
    expect(document(await cliOn(t, ['proof', '--help', '--json']), HelpJsonSchema).help).toContain('--export');
  });

  it('human output is coloured only on a terminal, and never with NO_COLOR', async () => {
    const onTerminal = async (env: NodeJS.ProcessEnv) => {
      await t.release();
      const io = bufferIo({ ...t.env, ...env });
      const tty = { ...io, stdout: { write: (text: string) => io.stdout.write(text), isTTY: true } };
      expect(await main(['get-run', runId, '--tenant-id', tenant], tty)).toBe(0);
      return io.out();
    };
    const coloured = await onTerminal({});
    expect(coloured).toContain('Status: \u001b[32msucceeded\u001b[39m');
    // Colour codes do not shift the step table's columns.
    expect(coloured).toContain('\n  #0  s1  echo@1.0.0  \u001b[32msuccess\u001b[39m  attempt 1  ');
    expect(await onTerminal({ NO_COLOR: '1' })).not.toContain('\u001b[');
    expect((await cliOn(t, ['get-run', runId, '--tenant-id', tenant])).stdout).not.toContain('\u001b[');
  });
});
