import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import { cliOn, countRows, createAgentViaCli, field, query } from './cli-harness';

describeEachDriver('cus-cli exit codes', (t) => {
  const tenant = `tenant-${randomUUID()}`;
  let agentId: string;
  beforeAll(async () => {
    agentId = await createAgentViaCli(t, ['--name', 'exit-codes', '--tenant-id', tenant]);
  });

  describe('2: a bad command line writes nothing', () => {
    const cases: [string, () => string[], RegExp][] = [
      ['missing --tenant-id', () => ['run', '-a', agentId, '-g', 'echo hi'], /Missing required argument: tenant-id/],
      [
        'a bad agent UUID',
        () => ['run', '-a', 'not-a-uuid', '-g', 'echo hi', '--tenant-id', tenant],
        /^error: --agent-id: must be a UUID$/m,
      ],
      [
        'an unknown flag',
        () => ['run', '-a', agentId, '-g', 'echo hi', '--tenant-id', tenant, '--colour'],
        /Unknown argument: colour/,
      ],
      ['a blank goal', () => ['run', '-a', agentId, '-g', '   ', '--tenant-id', tenant], /--goal: must not be blank/],
      ['an empty tenant id', () => ['run', '-a', agentId, '-g', 'echo hi', '--tenant-id', ''], /tenant-id/],
      [
        'the reserved origin',
        () => ['run', '-a', agentId, '-g', 'echo hi', '--tenant-id', tenant, '--origin-system-id', 'legacy-migration'],
        /--origin-system-id: "legacy-migration" is reserved/,
      ],
      [
        'a fractional budget',
        () => ['create-agent', '-n', 'x', '--budget-cents', '1.5'],
        /--budget-cents: must be a whole number/,
      ],
      ['a non-numeric budget', () => ['create-agent', '-n', 'x', '--budget-cents', 'lots'], /--budget-cents:/],
      [
        'a limit out of range',
        () => ['list-runs', '--tenant-id', tenant, '--limit', '0'],
        /--limit: must be a whole number from 1 to 1000/,
      ],
      [
        'an unknown status',
        () => ['list-runs', '--tenant-id', tenant, '--status', 'done'],
        /--status: must be one of queued, running/,
      ],
      ['a bad run id', () => ['get-run', '12', '--tenant-id', tenant], /<run_id>: must be a UUID/],
      ['--step without --export', () => ['proof', randomUUID(), '--tenant-id', tenant, '--step', '0'], /--step/],
      ['no command', () => [], /Specify a command/],
      ['an unknown command', () => ['delete-everything'], /Unknown argument: delete-everything/],
      [
        'a database URL that is not postgres',
        () => ['list-agents', '--database-url', 'mysql://x'],
        /--database-url: must be a postgres/,
      ],
    ];
    it('each is refused with exit 2 and one line naming the problem, and no row appears', async () => {
      // Counted once around all cases: opening the embedded store costs a second or two.
      const before = await countRows(t);
      for (const [name, args, message] of cases) {
        const result = await cliOn(t, args());
        expect(result.code, `${name}: ${result.stderr}`).toBe(2);
        expect(result.stdout, name).toBe('');
        expect(result.stderr, name).toMatch(message);
        expect(result.stderr.trimEnd().split('\n'), name).toHaveLength(1);
      }
      expect(await countRows(t)).toEqual(before);
    });

    it('a reused idempotency key with another goal is refused and writes nothing', async () => {
      const key = `key-${randomUUID()}`;
      const first = await cliOn(t, [
        'run',
        '-a',
        agentId,
        '-g',
        'echo first',
        '--tenant-id',
        tenant,
        '--idempotency-key',
        key,
      ]);
      expect(first.code).toBe(0);
      const before = await countRows(t);
      const again = await cliOn(t, [
        'run',
        '-a',
        agentId,
        '-g',
        'echo first',
        '--tenant-id',
        tenant,
        '--idempotency-key',
        key,
      ]);
      expect(again.code).toBe(0);
      expect(field(again.stdout, 'Run ID')).toBe(field(first.stdout, 'Run ID'));
      expect(field(again.stdout, 'Steps executed')).toBe('0');
      const conflict = await cliOn(t, [
        'run',
        '-a',
        agentId,
        '-g',
        'echo second',
        '--tenant-id',
        tenant,
        '--idempotency-key',
        key,
      ]);
      expect(conflict.code).toBe(2);
      expect(conflict.stderr).toMatch(/idempotency key .* different goal or agent/);
      expect(await countRows(t)).toEqual(before);
    });
  });

  describe('3: not found, and another tenant’s things are indistinguishable from missing ones', () => {
    let runId: string;
    beforeAll(async () => {
      const run = await cliOn(t, ['run', '-a', agentId, '-g', 'echo mine', '--tenant-id', tenant]);
      runId = field(run.stdout, 'Run ID')!;
    });
    const shape = (text: string) =>
      text
        .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
        .replace(/tenant-<uuid>|other-\S+/g, '<tenant>');

    it.each(['get-run', 'proof'])('%s of an unknown run and of another tenant’s run', async (command) => {
      const unknown = await cliOn(t, [command, randomUUID(), '--tenant-id', tenant]);
      const foreign = await cliOn(t, [command, runId, '--tenant-id', `other-${randomUUID()}`]);
      for (const result of [unknown, foreign]) {
        expect(result.code, result.stdout + result.stderr).toBe(3);
        expect(result.stdout).toBe('');
      }
      expect(unknown.stderr).toMatch(/^error: run [0-9a-f-]{36} not found for tenant /);
      expect(shape(foreign.stderr)).toBe(shape(unknown.stderr));
    });

    it('run with an unknown agent, and with another tenant’s agent', async () => {
      const before = await countRows(t);
      const unknown = await cliOn(t, ['run', '-a', randomUUID(), '-g', 'echo hi', '--tenant-id', tenant]);
      const foreign = await cliOn(t, ['run', '-a', agentId, '-g', 'echo hi', '--tenant-id', `other-${randomUUID()}`]);
      expect([unknown.code, foreign.code]).toEqual([3, 3]);
      expect(shape(foreign.stderr)).toBe(shape(unknown.stderr));
      expect(await countRows(t)).toEqual(before);
    });
  });

  describe('4: the run finished without succeeding', () => {
    it('a plan refused by the network policy fails the run before any step, with no trace', async () => {
      const result = await cliOn(t, ['run', '-a', agentId, '-g', 'fetch http://10.0.0.1/', '--tenant-id', tenant]);
      expect(result.code).toBe(4);
      expect(field(result.stdout, 'Status')).toBe('failed');
      expect(field(result.stdout, 'Steps executed')).toBe('0');
      expect(field(result.stdout, 'Error')).toMatch(/^plan_generation_failed: /);
      const runId = field(result.stdout, 'Run ID')!;
      const traces = await query(t, (db) =>
        db.selectFrom('aos_traces').select('trace_id').where('run_id', '=', runId).execute(),
      );
      expect(traces).toEqual([]);
      // No trace, nothing to verify: the proof says so and is not VERIFIED.
      const proof = await cliOn(t, ['proof', runId, '--tenant-id', tenant]);
      expect(proof.code).toBe(5);
      expect(field(proof.stdout, 'verification_status')).toBe('UNSUPPORTED');
      expect(field(proof.stdout, 'failure_reason')).toBeTruthy();
    });

    it('a goal whose inline JSON has a NUL character in an object key fails planning, naming the key', async () => {
      // The goal holds the six characters \u0000; parsing its JSON makes a real NUL in the key.
      const goal = 'transform {"k\\u0000":1}';
      const result = await cliOn(t, ['run', '-a', agentId, '-g', goal, '--tenant-id', tenant]);
      expect(result.code, result.stderr).toBe(4);
      expect(field(result.stdout, 'Status')).toBe('failed');
      expect(field(result.stdout, 'Steps executed')).toBe('0');
      expect(field(result.stdout, 'Error')).toBe(
        'plan_generation_failed: plan invalid: step s1 (json_transform): params.payload["k\\u0000"]: the key contains a NUL character (\\u0000), which Postgres cannot store',
      );
      const runId = field(result.stdout, 'Run ID')!;
      const stored = await query(t, async (db) => ({
        run: await db
          .selectFrom('runs')
          .select(['status', 'plan_json'])
          .where('id', '=', runId)
          .executeTakeFirstOrThrow(),
        traces: await db.selectFrom('aos_traces').select('trace_id').where('run_id', '=', runId).execute(),
      }));
      expect(stored).toEqual({ run: { status: 'failed', plan_json: null }, traces: [] });
    });

    it('a step whose backend is not configured fails the run, and the failure itself is provable', async () => {
      const result = await cliOn(t, ['run', '-a', agentId, '-g', 'write a haiku about ledgers', '--tenant-id', tenant]);
      expect(result.code).toBe(4);
      expect(field(result.stdout, 'Status')).toBe('failed');
      expect(field(result.stdout, 'Error')).toMatch(/^step_failed:s1:.*AOS_LLM_BASE_URL/);
      expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^Error: /);
      expect(result.stderr).toMatch(/s1 llm_invoke: failure/);
      const proof = await cliOn(t, ['proof', field(result.stdout, 'Run ID')!, '--tenant-id', tenant]);
      expect(proof.code).toBe(0);
      expect(field(proof.stdout, 'verification_status')).toBe('VERIFIED');
    });
  });

  describe('5: the proof does not verify', () => {
    it('a trace step altered behind the triggers’ back', async () => {
      const run = await cliOn(t, ['run', '-a', agentId, '-g', 'echo tamper me', '--tenant-id', tenant]);
      const runId = field(run.stdout, 'Run ID')!;
      expect((await cliOn(t, ['proof', runId, '--tenant-id', tenant])).code).toBe(0);
      await t.tamper((trx) =>
        trx
          .updateTable('aos_trace_steps')
          .set({ outcome_data: JSON.stringify({ message: 'forged' }) })
          .where('run_id', '=', runId)
          .where('step_index', '=', 0)
          .execute(),
      );
      const proof = await cliOn(t, ['proof', runId, '--tenant-id', tenant]);
      expect(proof.code).toBe(5);
      expect(field(proof.stdout, 'verification_status')).toBe('FAILED');
      expect(field(proof.stdout, 'failure_reason')).toMatch(/step 0/);
      expect(field(proof.stdout, 'first_divergent_step')).toBe('0');
    });
  });
});
