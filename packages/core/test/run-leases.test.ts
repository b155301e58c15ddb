import { randomUUID } from 'node:crypto';
import { getRunProof } from '@aos/proof/postgres';
import { sql, type Kysely } from 'kysely';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDriver, type TestDatabase } from '@aos/testkit';
import { executeRunAttempt, LEASE_OWNER, LEASE_SECONDS, renewLease, type Database } from '@aos/core/testing';
import { createPlannedRun, planStep, refusal, TEST_SIGNING_KEY, testDeps } from './runner-fixtures';

// SPEC §14, leases and fencing: the attempt that claims a run holds its lease (owner, epoch,
// expiry); every step is written under that epoch and the database refuses any other, so a
// worker that lost its lease can never extend — or fork — the chain.

const slowStep = (id: number) =>
  planStep(id, '__sdsr_fail_trigger__', { error_class: 'none', delay_ms: 400 }, { depends_on: [] });

describeEachDriver('run leases and fencing', (t: TestDatabase) => {
  let db: Kysely<Database>;
  beforeAll(async () => {
    db = await t.db();
  });

  it('a claim takes the lease (owner, next epoch, 30 s expiry); its steps carry the epoch; finishing releases it', async () => {
    const tenant = `t-${randomUUID()}`;
    const run = await createPlannedRun(db, { tenantId: tenant, steps: [slowStep(1)] });
    const attempt = executeRunAttempt(db, run.id, testDeps());
    let held: { lease_owner: string | null; lease_epoch: number; remaining: number } | undefined;
    for (let i = 0; i < 100 && held?.lease_owner == null; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      held = (
        await sql<{ lease_owner: string | null; lease_epoch: number; remaining: number }>`
          SELECT lease_owner, lease_epoch, extract(epoch FROM lease_expires_at - now()) AS remaining
            FROM runs WHERE id = ${run.id}`.execute(db)
      ).rows[0];
    }
    expect(held?.lease_owner).toBe(LEASE_OWNER);
    expect(Number(held?.lease_epoch)).toBe(1);
    expect(Number(held?.remaining)).toBeGreaterThan(LEASE_SECONDS - 5);
    expect(Number(held?.remaining)).toBeLessThanOrEqual(LEASE_SECONDS);
    const { run: done } = await attempt;
    expect(done.status).toBe('succeeded');
    expect(done.lease_owner).toBeNull();
    expect(done.lease_expires_at).toBeNull();
    const epochs = await db.selectFrom('aos_trace_steps').select('lease_epoch').where('run_id', '=', run.id).execute();
    expect(epochs.map((e) => Number(e.lease_epoch))).toEqual([1]);
    expect(
      (await getRunProof(db, tenant, run.id, { trustedKeys: [TEST_SIGNING_KEY.verifierKey] })).integrity
        .verification_status,
    ).toBe('VERIFIED');
  });

  it('a worker whose lease was taken over cannot append: its next step is refused and the chain is not forked', async () => {
    const tenant = `t-${randomUUID()}`;
    const run = await createPlannedRun(db, { tenantId: tenant, steps: [slowStep(1), slowStep(2), slowStep(3)] });
    const deps = testDeps();
    const attempt = executeRunAttempt(db, run.id, deps).then(
      () => 'finished',
      (error: unknown) => (error as Error).message,
    );
    // Once its first step is in, another worker takes the run over (its claim bumps the epoch).
    for (let i = 0; i < 200; i++) {
      if (deps.events.some((e) => e.type === 'step_finished')) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await sql`UPDATE runs SET lease_epoch = lease_epoch + 1, lease_owner = 'another-worker' WHERE id = ${run.id}`.execute(
      db,
    );
    expect(await attempt).toMatch(
      /trace step append refused: written under lease epoch 1 of run .*, whose lease is at epoch 2/,
    );
    const steps = await db
      .selectFrom('aos_trace_steps')
      .select(['step_index', 'lease_epoch'])
      .where('run_id', '=', run.id)
      .execute();
    expect(steps.map((s) => [s.step_index, Number(s.lease_epoch)])).toEqual([[0, 1]]);
    // The stale worker cannot renew either; the new holder's epoch can.
    expect(await renewLease(db, run.id, 1)).toBe(false);
    expect(await renewLease(db, run.id, 2)).toBe(true);
  });

  it('a worker whose lease was taken over after its last step cannot seal: the run stays unsealed for the new holder', async () => {
    const tenant = `t-${randomUUID()}`;
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [planStep(1, 'echo', { message: 'last step' }, { depends_on: [] })],
    });
    // The takeover lands exactly between the attempt's last append and its seal: a trigger bumps
    // the epoch right after that step row is written (as another worker's claim would).
    await sql
      .raw(
        `CREATE OR REPLACE FUNCTION aos_test_take_over() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN UPDATE runs SET lease_epoch = lease_epoch + 1, lease_owner = 'another-worker' WHERE id = NEW.run_id; RETURN NEW; END $$`,
      )
      .execute(db);
    await sql
      .raw(
        `CREATE TRIGGER aos_test_take_over AFTER INSERT ON aos_trace_steps FOR EACH ROW
         WHEN (NEW.run_id = '${run.id}') EXECUTE FUNCTION aos_test_take_over()`,
      )
      .execute(db);
    try {
      expect(await refusal(() => executeRunAttempt(db, run.id, testDeps()))).toMatch(
        /taken over or finished by someone else/,
      );
    } finally {
      await sql.raw('DROP TRIGGER aos_test_take_over ON aos_trace_steps').execute(db);
      await sql.raw('DROP FUNCTION aos_test_take_over()').execute(db);
    }
    const after = await db
      .selectFrom('runs')
      .select(['status', 'lease_owner'])
      .where('id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ status: 'running', lease_owner: 'another-worker' });
    const trace = await db
      .selectFrom('aos_traces')
      .select(['sealed_at', 'status'])
      .where('run_id', '=', run.id)
      .executeTakeFirstOrThrow();
    expect(trace).toEqual({ sealed_at: null, status: 'running' });
  });

  it('an epoch never goes back', async () => {
    const tenant = `t-${randomUUID()}`;
    const run = await createPlannedRun(db, {
      tenantId: tenant,
      steps: [planStep(1, 'echo', { message: 'x' }, { depends_on: [] })],
    });
    await executeRunAttempt(db, run.id, testDeps());
    expect(await refusal(() => sql`UPDATE runs SET lease_epoch = 0 WHERE id = ${run.id}`.execute(db))).toMatch(
      /lease_epoch of run .* cannot go back from 1 to 0/,
    );
  });
});
