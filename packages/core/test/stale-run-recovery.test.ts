import { randomUUID } from 'node:crypto';
import { loadSigningKey } from '@aos/proof/node';
import { getRunProof } from '@aos/proof/postgres';
import { expect, it } from 'vitest';
import { describeEachDriver, fixturePath, spawnNode } from '@aos/testkit';
import { recoverStaleRuns } from '@aos/core/testing';

describeEachDriver('stale-run recovery after SIGKILL', (t) => {
  it('finishes a run whose process was killed mid-run: failed, trace aborted and sealed, no step lost', async () => {
    const tenant = `tenant-${randomUUID()}`;
    await t.release();
    const child = spawnNode([fixturePath('slow-run.mjs'), tenant, '6', '300'], { env: t.env, cwd: fixturePath('.') });
    await child.waitForOutput('appended 1');
    child.child.kill('SIGKILL');
    await child.exited;
    const runId = /run ([0-9a-f-]{36})/.exec(child.stdout())?.[1];
    expect(runId).toBeDefined();
    const appended = [...child.stdout().matchAll(/appended (\d+)/g)].length;
    expect(appended).toBeGreaterThanOrEqual(2);
    expect(child.stdout()).not.toContain('finished');

    const db = await t.db();
    const stuck = await db.selectFrom('runs').select('status').where('id', '=', runId!).executeTakeFirstOrThrow();
    expect(stuck.status).toBe('running');

    const signingKey = await loadSigningKey({ env: t.env, home: t.home });
    // Young, and its lease (30 s from the claim) still running: not stale yet.
    expect(await recoverStaleRuns(db, { signingKey, olderThanMs: 60_000 })).toEqual([]);
    // Once the lease has expired (nobody renews it) the run is stale whatever its age.
    await t.tamper((trx) =>
      trx
        .updateTable('runs')
        .set({ lease_expires_at: new Date(Date.now() - 1000) })
        .where('id', '=', runId!)
        .execute(),
    );
    const recovered = await recoverStaleRuns(db, { signingKey, olderThanMs: 60_000 });
    expect(recovered).toEqual([{ runId, tenantId: tenant, stepCount: appended, traceSealed: true }]);

    const run = await db.selectFrom('runs').selectAll().where('id', '=', runId!).executeTakeFirstOrThrow();
    expect(run.status).toBe('failed');
    expect(run.error_message).toMatch(/^run_interrupted: /);
    // Recovery took the lease first (a new epoch), so the killed attempt's epoch is fenced off.
    expect(Number(run.lease_epoch)).toBe(2);
    const trace = await db.selectFrom('aos_traces').selectAll().where('run_id', '=', runId!).executeTakeFirstOrThrow();
    const steps = await db
      .selectFrom('aos_trace_steps')
      .selectAll()
      .where('run_id', '=', runId!)
      .orderBy('step_index')
      .execute();
    expect(trace.status).toBe('aborted');
    expect(trace.chain_length).toBe(appended);
    expect(steps.map((s) => s.step_index)).toEqual(Array.from({ length: appended }, (_, i) => i));
    const proof = await getRunProof(db, tenant, runId!, { trustedKeys: [signingKey.verifierKey] });
    expect(proof.integrity.verification_status).toBe('VERIFIED');
    expect(await recoverStaleRuns(db, { signingKey, olderThanMs: 0 })).toEqual([]);
  });
});
