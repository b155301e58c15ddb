import { randomUUID } from 'node:crypto';
import { loadSigningKey } from '@aos/proof/node';
import { getRunProof } from '@aos/proof/postgres';
import { describeEachDriver, fixturePath, spawnNode } from '@aos/testkit';
import { expect, it } from 'vitest';
import { RecoverShape } from '../src/json-shapes';
import { cliOn, query } from './cli-harness';

describeEachDriver('int-cli recover', (t) => {
  it('finishes a run whose process was SIGKILLed mid-run: failed, trace aborted and sealed, every step kept, VERIFIED', async () => {
    const tenant = `crash-${randomUUID()}`;
    await t.release();
    // A real process executing a run of 6 slow steps, killed after its second step.
    const child = spawnNode([fixturePath('slow-run.mjs'), tenant, '6', '300'], {
      env: { DATABASE_URL: '', ...t.env },
    });
    await child.waitForOutput('appended 1');
    child.child.kill('SIGKILL');
    await child.exited;
    const runId = /^run ([0-9a-f-]{36})$/m.exec(child.stdout())?.[1] ?? '';
    const appended = [...child.stdout().matchAll(/^appended (\d+)$/gm)].length;
    expect(appended).toBeGreaterThanOrEqual(2);
    expect(child.stdout()).not.toContain('finished');
    expect(
      await query(t, (db) => db.selectFrom('runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()),
    ).toEqual({
      status: 'running',
    });

    // Its last step is recent: the default --older-than (15m) leaves it alone.
    const early = await cliOn(t, ['recover', '--tenant-id', tenant]);
    expect(early.code).toBe(0);
    expect(early.stdout).toContain(`No stale run of tenant "${tenant}" (running with no progress for 15m or more).`);

    const human = await cliOn(t, ['recover', '--older-than', '0', '--tenant-id', tenant]);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      `recovered run ${runId} (tenant ${tenant}): failed; trace aborted and sealed over ${appended} steps`,
    );

    const { run, trace, steps, proof } = await query(t, async (db) => {
      const signingKey = await loadSigningKey({ env: t.env, home: t.home });
      return {
        run: await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow(),
        trace: await db.selectFrom('aos_traces').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow(),
        steps: await db
          .selectFrom('aos_trace_steps')
          .select(['step_index', 'status'])
          .where('run_id', '=', runId)
          .orderBy('step_index')
          .execute(),
        proof: await getRunProof(db, tenant, runId, { trustedKeys: [signingKey.verifierKey] }),
      };
    });
    expect(run.status).toBe('failed');
    expect(run.error_message).toMatch(/^run_interrupted: /);
    expect(trace.status).toBe('aborted');
    expect(trace.sealed_at).not.toBeNull();
    expect(trace.chain_length).toBe(appended);
    expect(steps).toEqual(Array.from({ length: appended }, (_, i) => ({ step_index: i, status: 'success' })));
    expect(proof.integrity.verification_status).toBe('VERIFIED');

    // Nothing left to recover; --json is one document of the documented shape.
    const again = await cliOn(t, ['recover', '--older-than', '0', '--tenant-id', tenant, '--json']);
    expect(again.code).toBe(0);
    expect(RecoverShape.parse(JSON.parse(again.stdout))).toEqual({
      older_than_ms: 0,
      tenant_id: tenant,
      recovered: [],
    });
  });

  it.each([['--older-than', '15'], ['--older-than', 'abc'], ['--older-than=-1m'], ['--older-than', '']])(
    'refuses %j with exit 2',
    async (...flags) => {
      const result = await cliOn(t, ['recover', ...flags]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: --older-than: /);
    },
  );
});
