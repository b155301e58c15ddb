import { createAgent } from '@aos/core/testing';
import { createRun } from '@aos/core/runs';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { expect, it } from 'vitest';
import { AuditShape } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';
import { createOpenTrace, createSealedRuns } from './run-setup';

type AuditDoc = ReturnType<typeof AuditShape.parse>;

async function audit(t: TestDatabase, tenant: string, extra: string[] = []): Promise<{ code: number; doc: AuditDoc }> {
  const result = await cliOn(t, ['audit', '--tenant-id', tenant, '--json', ...extra]);
  return { code: result.code, doc: AuditShape.parse(JSON.parse(result.stdout)) };
}

/** Deletes rows the triggers and foreign keys protect, as a superuser with both switched off would. */
function deleteBehindTriggers(
  t: TestDatabase,
  runId: string,
  what: { steps?: boolean; trace?: boolean; run?: boolean },
) {
  return t.tamper(async (trx) => {
    if (what.steps) await trx.deleteFrom('aos_trace_steps').where('run_id', '=', runId).execute();
    if (what.trace) await trx.deleteFrom('aos_traces').where('run_id', '=', runId).execute();
    if (what.run) {
      await trx.deleteFrom('budget_reservations').where('run_id', '=', runId).execute();
      await trx.deleteFrom('runs').where('id', '=', runId).execute();
    }
  });
}

describeEachDriver('int-cli audit findings', (t) => {
  it('a clean tenant has no finding: counts agree, exit 0', async () => {
    await createSealedRuns(t, 'clean', ['echo one', 'echo two']);
    const { code, doc } = await audit(t, 'clean');
    expect(code).toBe(0);
    expect(doc).toMatchObject({
      checked: 2,
      verified: 2,
      traces: 2,
      runs_expecting_trace: 2,
      unsealed: 0,
      findings: [],
    });
  });

  it('a sealed trace whose run row was deleted is an orphan, not silently skipped (exit 5)', async () => {
    const [kept, victim] = await createSealedRuns(t, 'orphan', ['echo kept', 'echo orphaned']);
    await deleteBehindTriggers(t, victim!, { run: true });
    const { code, doc } = await audit(t, 'orphan');
    expect(code).toBe(5);
    // Trace v3 signs the run's header and outcome: without the run row the trace cannot verify,
    // and the missing run is what is reported.
    expect(doc).toMatchObject({ checked: 2, verified: 1, failed: 0, traces: 2, runs_expecting_trace: 1 });
    expect(doc.findings).toEqual([
      {
        kind: 'orphan_trace',
        run_id: victim,
        trace_id: `trace_${victim}`,
        tenant_id: 'orphan',
        message: expect.stringMatching(/^sealed trace .* has no run row: run .* was deleted$/),
      },
      expect.objectContaining({ kind: 'count_mismatch', message: expect.stringMatching(/^2 traces but 1 run /) }),
    ]);
    expect(doc.findings.some((f) => f.run_id === kept)).toBe(false);

    const human = await cliOn(t, ['audit', '--tenant-id', 'orphan'], { NO_COLOR: '1' });
    expect(human.code).toBe(5);
    expect(human.stdout).toMatch(new RegExp(`^ORPHAN_TRACE  run ${victim}  tenant orphan  sealed trace `, 'm'));
    expect(human.stdout).toContain('\nCOUNT_MISMATCH  tenant orphan  2 traces but 1 run');
    expect(human.stdout).toContain('integrity check failed');
  });

  it('an unsealed trace whose run row was deleted is an orphan too', async () => {
    const victim = await createOpenTrace(t, 'orphan-open');
    await deleteBehindTriggers(t, victim, { run: true });
    const { code, doc } = await audit(t, 'orphan-open');
    expect(code).toBe(5);
    expect(doc.findings).toEqual([
      expect.objectContaining({
        kind: 'orphan_trace',
        run_id: victim,
        message: expect.stringMatching(/^unsealed trace /),
      }),
      expect.objectContaining({ kind: 'count_mismatch' }),
    ]);
  });

  it('a run stuck running with an open trace is a finding once older than --stale-after, and recover clears it', async () => {
    const stuck = await createOpenTrace(t, 'stale');
    // A retrying run waits for its next attempt: counted as unsealed, not a finding.
    const waiting = await audit(t, 'stale');
    expect(waiting.code).toBe(0);
    expect(waiting.doc).toMatchObject({ unsealed: 1, findings: [] });

    await query(t, (db) => db.updateTable('runs').set({ status: 'running' }).where('id', '=', stuck).execute());
    // Its last step is seconds old: busy, not stale, under the default 15m.
    expect((await audit(t, 'stale')).code).toBe(0);
    const stale = await audit(t, 'stale', ['--stale-after', '0']);
    expect(stale.code).toBe(5);
    expect(stale.doc.stale_after_ms).toBe(0);
    expect(stale.doc.findings).toEqual([
      {
        kind: 'stale_run',
        run_id: stuck,
        trace_id: `trace_${stuck}`,
        tenant_id: 'stale',
        message: expect.stringMatching(/still running with no progress since .*: int-cli recover finishes it$/),
      },
    ]);

    expect((await cliOn(t, ['recover', '--older-than', '0', '--tenant-id', 'stale'])).code).toBe(0);
    const recovered = await audit(t, 'stale', ['--stale-after', '0']);
    expect(recovered.code).toBe(0);
    expect(recovered.doc).toMatchObject({ checked: 1, verified: 1, unsealed: 0, findings: [] });
  });

  it('a finished run whose trace was never sealed is a finding', async () => {
    const run = await createOpenTrace(t, 'unsealed');
    await t.tamper((trx) =>
      trx.updateTable('runs').set({ status: 'succeeded', completed_at: new Date() }).where('id', '=', run).execute(),
    );
    const { code, doc } = await audit(t, 'unsealed');
    expect(code).toBe(5);
    expect(doc.findings).toEqual([
      {
        kind: 'unsealed_trace',
        run_id: run,
        trace_id: `trace_${run}`,
        tenant_id: 'unsealed',
        message: expect.stringContaining(`run ${run} is succeeded but its trace trace_${run} was never sealed`),
      },
    ]);
  });

  it('a finished run with no trace is a finding; a queued run and a plan_generation_failed one are not', async () => {
    const [, victim] = await createSealedRuns(t, 'notrace', ['echo kept', 'echo trace deleted']);
    await query(t, async (db) => {
      const agent = await createAgent(db, { name: 'notrace', tenantId: 'notrace' });
      await createRun(db, { tenantId: 'notrace', agentId: agent.id, goal: 'echo still queued' });
      const { run } = await createRun(db, { tenantId: 'notrace', agentId: agent.id, goal: 'echo never planned' });
      await db
        .updateTable('runs')
        .set({ status: 'failed', error_message: 'plan_generation_failed: no plan', completed_at: new Date() })
        .where('id', '=', run.id)
        .execute();
    });
    expect((await audit(t, 'notrace')).code).toBe(0);

    await deleteBehindTriggers(t, victim!, { steps: true, trace: true });
    const { code, doc } = await audit(t, 'notrace');
    expect(code).toBe(5);
    expect(doc).toMatchObject({ checked: 1, verified: 1, traces: 1, runs_expecting_trace: 2 });
    expect(doc.findings).toEqual([
      {
        kind: 'missing_trace',
        run_id: victim,
        tenant_id: 'notrace',
        message: expect.stringContaining(`run ${victim} is succeeded but has no trace`),
      },
      expect.objectContaining({ kind: 'count_mismatch', message: expect.stringMatching(/^1 trace but 2 runs /) }),
    ]);
  });

  it('a run deleted entirely (run, trace and steps) is found through the cost events it left', async () => {
    const [, victim] = await createSealedRuns(t, 'deleted', ['echo kept', 'echo deleted entirely']);
    await deleteBehindTriggers(t, victim!, { steps: true, trace: true, run: true });
    const { code, doc } = await audit(t, 'deleted');
    expect(code).toBe(5);
    // The counts agree (one run, one trace): only the cost ledger shows the run existed.
    expect(doc).toMatchObject({ traces: 1, runs_expecting_trace: 1 });
    expect(doc.findings).toEqual([
      {
        kind: 'missing_run',
        run_id: victim,
        tenant_id: 'deleted',
        message: `run ${victim} has cost events but neither a run row nor a trace: the run was deleted`,
      },
    ]);
  });

  it('an audit of every tenant lists every finding and each tenant is reported alone', async () => {
    const result = await cliOn(t, ['audit', '--json', '--stale-after', '0']);
    expect(result.code).toBe(5);
    const doc = AuditShape.parse(JSON.parse(result.stdout));
    expect([...new Set(doc.findings.map((f) => f.kind))].sort()).toEqual(
      ['count_mismatch', 'log_queue_stale', 'missing_run', 'missing_trace', 'orphan_trace', 'unsealed_trace'].sort(),
    );
    // These runs were sealed with no sequencer behind them: under --stale-after 0 the clean
    // tenant's two traces have waited for its log too long, and that is all there is about it.
    expect(doc.findings.filter((f) => f.tenant_id === 'clean').map((f) => f.kind)).toEqual([
      'log_queue_stale',
      'log_queue_stale',
    ]);
    expect((await audit(t, 'clean')).code).toBe(0);
  });
});
