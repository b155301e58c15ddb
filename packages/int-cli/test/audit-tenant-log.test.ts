import {
  checkpointOrigin,
  computeEnvelopeHash,
  extendChain,
  merkleTreeHash,
  signCheckpoint,
  tenantLogLeafHash,
  toRunHeader,
  toRunOutcome,
  toStepEnvelope,
  type TenantLogLeaf,
} from '@aos/proof';
import { drainTenantLog, loadDeploymentSigningKey } from '@aos/core/testing';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { expect, it } from 'vitest';
import { AuditShape } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';
import { createSealedRuns } from './run-setup';

type AuditDoc = ReturnType<typeof AuditShape.parse>;

async function audit(t: TestDatabase, args: string[]): Promise<{ code: number; doc: AuditDoc }> {
  const result = await cliOn(t, ['audit', '--json', ...args]);
  return { code: result.code, doc: AuditShape.parse(JSON.parse(result.stdout)) };
}

/**
 * Runs each goal through core's customer path and sequences it into its tenant's log right
 * after its seal, as local mode does: one leaf and one signed tenant checkpoint per run.
 */
async function createLoggedRuns(t: TestDatabase, tenantId: string, goals: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const goal of goals) {
    ids.push(...(await createSealedRuns(t, tenantId, [goal])));
    await query(t, async (db) => {
      const signingKey = await loadDeploymentSigningKey(t.env);
      await drainTenantLog(db, tenantId, { signingKey, trustedKeys: [signingKey.verifierKey] });
    });
  }
  return ids;
}

/** Deletes every row of a run, behind the triggers (a superuser would), and its leaf too if asked. */
function deleteRun(t: TestDatabase, runId: string, options: { leaf: boolean }) {
  return t.tamper(async (trx) => {
    await trx.deleteFrom('cost_events').where('run_id', '=', runId).execute();
    await trx.deleteFrom('budget_alerts').where('run_id', '=', runId).execute();
    await trx.deleteFrom('aos_trace_steps').where('run_id', '=', runId).execute();
    await trx.deleteFrom('aos_traces').where('run_id', '=', runId).execute();
    await trx.deleteFrom('budget_reservations').where('run_id', '=', runId).execute();
    await trx.deleteFrom('runs').where('id', '=', runId).execute();
    if (options.leaf) await trx.deleteFrom('tenant_log_leaves').where('run_id', '=', runId).execute();
  });
}

describeEachDriver('int-cli audit of tenant logs', (t) => {
  it('a clean database with several tenants: exit 0, and the JSON lists every log checked with its size', async () => {
    await createLoggedRuns(t, 'north', ['echo one', 'echo two', 'echo three']);
    await createLoggedRuns(t, 'south', ['echo four', 'echo five']);
    const { code, doc } = await audit(t, []);
    expect(code).toBe(0);
    expect(doc.findings).toEqual([]);
    expect(doc.log_queued).toBe(0);
    const roots = await query(t, async (db) => {
      const rows = await db
        .selectFrom('tenant_log_leaves')
        .select(['tenant_id', 'leaf_hash'])
        .orderBy('tenant_id')
        .orderBy('log_index')
        .execute();
      return ['north', 'south'].map((tenant) =>
        merkleTreeHash(rows.filter((r) => r.tenant_id === tenant).map((r) => r.leaf_hash)),
      );
    });
    expect(doc.logs).toEqual([
      { tenant_id: 'north', leaves: 3, tree_size: 3, checkpoints: 3, root_hash: roots[0] },
      { tenant_id: 'south', leaves: 2, tree_size: 2, checkpoints: 2, root_hash: roots[1] },
    ]);
    const one = await audit(t, ['--tenant-id', 'south']);
    expect(one.code).toBe(0);
    expect(one.doc.logs.map((log) => log.tenant_id)).toEqual(['south']);

    const human = await cliOn(t, ['audit'], { NO_COLOR: '1' });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('Tenant logs: 2 logs re-derived from 5 leaves (north: 3, south: 2)\n');
  });

  it('a sealed trace waiting for the sequencer is counted, and a finding only once older than --stale-after', async () => {
    const [waiting] = await createSealedRuns(t, 'waiting', ['echo not sequenced yet']);
    const fresh = await audit(t, ['--tenant-id', 'waiting']);
    expect(fresh.code).toBe(0);
    expect(fresh.doc).toMatchObject({ log_queued: 1, logs: [], findings: [] });
    const stale = await audit(t, ['--tenant-id', 'waiting', '--stale-after', '0']);
    expect(stale.code).toBe(5);
    expect(stale.doc.log_queued).toBe(0);
    expect(stale.doc.findings).toEqual([
      {
        kind: 'log_queue_stale',
        run_id: waiting,
        trace_id: `trace_${waiting}`,
        tenant_id: 'waiting',
        message: expect.stringMatching(
          /has waited for the log of tenant waiting since .*: is the sequencer running\?$/,
        ),
      },
    ]);
  });

  it('a run deleted whole, its leaf included, is a gap naming the tenant and the missing log index (exit 5)', async () => {
    const [, victim] = await createLoggedRuns(t, 'gone', ['echo kept', 'echo deleted', 'echo kept too']);
    await deleteRun(t, victim!, { leaf: true });
    const { code, doc } = await audit(t, ['--tenant-id', 'gone']);
    expect(code).toBe(5);
    // Nothing of the run is left in the store: only the log shows it existed.
    expect(doc).toMatchObject({ checked: 2, verified: 2, traces: 2, runs_expecting_trace: 2 });
    expect(doc.findings).toEqual([
      {
        kind: 'log_gap',
        tenant_id: 'gone',
        log_index: 1,
        message: 'the log of tenant gone has no leaf at log_index 1: a logged run was deleted from it',
      },
      {
        kind: 'log_checkpoint_inconsistent',
        tenant_id: 'gone',
        message:
          'tenant gone: the checkpoint of size 2 is inconsistent with the log: its leaves cannot be re-derived ' +
          '(log_index 1 is missing) (checkpoints up to size 1 agree); and 1 more like it',
      },
    ]);
    expect(doc.logs).toEqual([{ tenant_id: 'gone', leaves: 2, tree_size: 3, checkpoints: 3, root_hash: null }]);

    const human = await cliOn(t, ['audit', '--tenant-id', 'gone'], { NO_COLOR: '1' });
    expect(human.code).toBe(5);
    expect(human.stdout.split('\n')).toContain(
      'LOG_GAP  tenant gone  log_index 1  the log of tenant gone has no leaf at log_index 1: a logged run was deleted from it',
    );
  });

  it('the newest run deleted whole is a gap too: the checkpoint still counts its leaf', async () => {
    const [, last] = await createLoggedRuns(t, 'tail', ['echo kept', 'echo deleted last']);
    await deleteRun(t, last!, { leaf: true });
    const { code, doc } = await audit(t, ['--tenant-id', 'tail']);
    expect(code).toBe(5);
    expect(doc.findings).toEqual([
      expect.objectContaining({ kind: 'log_gap', tenant_id: 'tail', log_index: 1 }),
      expect.objectContaining({
        kind: 'log_checkpoint_inconsistent',
        message: expect.stringContaining('the checkpoint of size 2 is inconsistent'),
      }),
    ]);
  });

  it('a run deleted with every row but its leaf is a leaf without its run, naming the log index', async () => {
    const [, victim] = await createLoggedRuns(t, 'orphan-leaf', ['echo kept', 'echo deleted']);
    await deleteRun(t, victim!, { leaf: false });
    const { code, doc } = await audit(t, ['--tenant-id', 'orphan-leaf']);
    expect(code).toBe(5);
    expect(doc.findings).toEqual([
      {
        kind: 'log_leaf_orphan',
        run_id: victim,
        trace_id: `trace_${victim}`,
        tenant_id: 'orphan-leaf',
        log_index: 1,
        message:
          `leaf 1 of the log of tenant orphan-leaf is without its run: the run row and trace of run ${victim} ` +
          `(trace trace_${victim}) are gone: the run was deleted after it was logged`,
      },
    ]);
  });

  it('two leaves swapped is detected, whether or not the leaves are rewritten to state their new index', async () => {
    const swap = (tenant: string, rewrite: boolean) =>
      t.tamper(async (trx) => {
        const rows = await trx
          .selectFrom('tenant_log_leaves')
          .select(['log_index', 'leaf'])
          .where('tenant_id', '=', tenant)
          .where('log_index', 'in', [0, 1])
          .orderBy('log_index')
          .execute();
        const moved = (from: number, to: number) => {
          const leaf = { ...(rows[from]!.leaf as TenantLogLeaf), ...(rewrite && { log_index: to }) };
          return { log_index: to, leaf: JSON.stringify(leaf), leaf_hash: tenantLogLeafHash(leaf) };
        };
        const [zero, one] = [moved(0, 1), moved(1, 0)];
        const at = (index: number) =>
          trx.updateTable('tenant_log_leaves').where('tenant_id', '=', tenant).where('log_index', '=', index);
        await at(0).set({ log_index: 1_000_000 }).execute();
        await at(1).set(one).execute();
        await at(1_000_000).set(zero).execute();
      });
    await createLoggedRuns(t, 'swapped', ['echo first', 'echo second', 'echo third']);
    await swap('swapped', false);
    const plain = await audit(t, ['--tenant-id', 'swapped']);
    expect(plain.code).toBe(5);
    expect(plain.doc.findings.map((f) => [f.kind, f.log_index])).toEqual([
      ['log_leaf_invalid', 0],
      ['log_leaf_invalid', 1],
      ['log_checkpoint_inconsistent', undefined],
      ['log_node_mismatch', 1],
    ]);
    expect(plain.doc.findings[0]!.message).toBe(
      'leaf 0 of the log of tenant swapped was altered: it states log_index 1',
    );

    await createLoggedRuns(t, 'swapped-rewritten', ['echo first', 'echo second', 'echo third']);
    await swap('swapped-rewritten', true);
    const rewritten = await audit(t, ['--tenant-id', 'swapped-rewritten']);
    expect(rewritten.code).toBe(5);
    // Each leaf is self-consistent now: the signed checkpoints and the stored tree show the new order.
    expect(rewritten.doc.findings).toEqual([
      {
        kind: 'log_checkpoint_inconsistent',
        tenant_id: 'swapped-rewritten',
        message: expect.stringMatching(
          /^tenant swapped-rewritten: the checkpoint of size 1 is inconsistent with the log: its root [0-9a-f]{16}… is not [0-9a-f]{16}…, the root of the first 1 leaf as stored now; and 2 more like it$/,
        ),
      },
      {
        kind: 'log_node_mismatch',
        tenant_id: 'swapped-rewritten',
        log_index: 1,
        message: 'tenant swapped-rewritten: the stored node at level 1, index 0 is not the hash of the leaves below it',
      },
    ]);
  });

  it('a sealed run rewritten and re-signed with the deployment key, log untouched: its leaf no longer matches', async () => {
    const [victim] = await createLoggedRuns(t, 'resigned', ['echo the original output']);
    await t.tamper(async (trx) => {
      const signingKey = await loadDeploymentSigningKey(t.env);
      const run = await trx.selectFrom('runs').selectAll().where('id', '=', victim!).executeTakeFirstOrThrow();
      const trace = await trx
        .selectFrom('aos_traces')
        .selectAll()
        .where('run_id', '=', victim!)
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('aos_trace_steps')
        .set({ outcome_data: JSON.stringify({ message: 'a rewritten output' }) })
        .where('trace_id', '=', trace.trace_id)
        .execute();
      const steps = await trx
        .selectFrom('aos_trace_steps')
        .selectAll()
        .where('trace_id', '=', trace.trace_id)
        .orderBy('step_index')
        .execute();
      let head = trace.genesis_hash;
      const leaves: string[] = [];
      for (const row of steps) {
        const link = extendChain(head, toStepEnvelope(row));
        head = link.step_hash;
        leaves.push(link.leaf_hash);
        await trx
          .updateTable('aos_trace_steps')
          .set(link)
          .where('trace_id', '=', trace.trace_id)
          .where('step_index', '=', row.step_index)
          .execute();
      }
      const outcome = toRunOutcome(run, trace, {
        chain_length: steps.length,
        root_hash: head,
        total_cost_cents: steps.reduce((sum, s) => sum + s.cost_cents, 0),
      });
      const outcomeHash = computeEnvelopeHash(outcome);
      const merkleRoot = merkleTreeHash([computeEnvelopeHash(toRunHeader(run, trace)), ...leaves, outcomeHash]);
      await trx
        .updateTable('aos_traces')
        .set({
          root_hash: head,
          outcome_envelope: JSON.stringify(outcome),
          outcome_hash: outcomeHash,
          merkle_root: merkleRoot,
          checkpoint: signCheckpoint(
            {
              origin: checkpointOrigin(signingKey.name, run.tenant_id, run.id),
              treeSize: steps.length + 2,
              rootHash: merkleRoot,
            },
            signingKey,
          ),
        })
        .where('trace_id', '=', trace.trace_id)
        .execute();
    });
    const { code, doc } = await audit(t, ['--tenant-id', 'resigned']);
    expect(code).toBe(5);
    // The re-signed trace verifies on its own: only its leaf shows what it said when it was logged.
    expect(doc).toMatchObject({ checked: 1, verified: 1, failed: 0 });
    expect(doc.findings).toEqual([
      {
        kind: 'log_leaf_mismatch',
        run_id: victim,
        trace_id: `trace_${victim}`,
        tenant_id: 'resigned',
        log_index: 0,
        message:
          `leaf 0 of the log of tenant resigned does not match run ${victim}'s sealed trace: root_hash, merkle_root differ ` +
          '(the run was rewritten after it was logged)',
      },
    ]);
  });

  it('an audit of every tenant reports each tampered log and leaves the clean ones clean', async () => {
    const { code, doc } = await audit(t, []);
    expect(code).toBe(5);
    const tenants = new Set(doc.findings.map((f) => f.tenant_id));
    expect([...tenants].sort()).toEqual(['gone', 'orphan-leaf', 'resigned', 'swapped', 'swapped-rewritten', 'tail']);
    expect(doc.logs.find((log) => log.tenant_id === 'north')).toMatchObject({ leaves: 3, tree_size: 3 });
  });
});
