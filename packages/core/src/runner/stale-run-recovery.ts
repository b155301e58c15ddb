import type { SigningKey, TrustedKeys } from '@aos/proof';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { drainTenantLog } from '../tenant-log/log-sequencer';
import { finishAndSealRun, LEASE_OWNER, LEASE_SECONDS } from './trace-writer';

/** One run finished by {@link recoverStaleRuns}. */
export interface RecoveredRun {
  readonly runId: string;
  readonly tenantId: string;
  readonly stepCount: number;
  readonly traceSealed: boolean;
}

/** Default age after which a `running` run with no new step is considered abandoned. */
export const DEFAULT_STALE_AFTER_MS = 15 * 60 * 1000;

/**
 * Finds runs left `running` by a crashed process — its lease expired, or no trace step appended
 * and no attempt started for `olderThanMs` — and finishes them: run `failed`, trace completed `aborted` and
 * sealed over every step it had appended (none is lost), in-flight budget reservations dropped.
 *
 * @example
 * ```ts
 * const recovered = await recoverStaleRuns(db, { signingKey, olderThanMs: 10 * 60_000 })
 * ```
 */
export async function recoverStaleRuns(
  db: Kysely<Database>,
  options: {
    signingKey: SigningKey;
    olderThanMs?: number;
    tenantId?: string;
    /**
     * The handle each run is finished through, given its tenant; `db` itself when absent. The
     * operator facade scans as aos_audit (which writes nothing) and finishes each run as its tenant.
     */
    forTenant?: (tenantId: string) => Kysely<Database> | Promise<Kysely<Database>>;
    /** Verifier keys the tenant-log sequencer re-verifies sealed traces against (default: the signing key's). */
    trustedKeys?: TrustedKeys;
  },
): Promise<RecoveredRun[]> {
  const cutoff = new Date(Date.now() - (options.olderThanMs ?? DEFAULT_STALE_AFTER_MS));
  let query = db
    .selectFrom('runs')
    .select(['runs.id', 'runs.tenant_id'])
    .where('runs.status', '=', 'running')
    .where((eb) =>
      eb.or([
        // Its lease expired: the process executing it stopped renewing (SPEC §14), whatever its age.
        eb('runs.lease_expires_at', '<', new Date()),
        eb.and([
          eb.or([eb('runs.started_at', 'is', null), eb('runs.started_at', '<=', cutoff)]),
          eb.not(
            eb.exists(
              eb
                .selectFrom('aos_trace_steps')
                .select(sql`1`.as('one'))
                .whereRef('aos_trace_steps.run_id', '=', 'runs.id')
                .where('aos_trace_steps.completed_at', '>', cutoff),
            ),
          ),
        ]),
      ]),
    )
    .orderBy('runs.created_at');
  if (options.tenantId) query = query.where('runs.tenant_id', '=', options.tenantId);
  const stale = await query.execute();
  const recovered: RecoveredRun[] = [];
  for (const candidate of stale) {
    const tenantDb = options.forTenant ? await options.forTenant(candidate.tenant_id) : db;
    // Fenced like lease recovery: a process still executing the run (it was only slow) can
    // append and seal nothing once recovery took the run.
    const epoch = await takeLease(tenantDb, candidate.id, { onlyExpired: false });
    const result =
      epoch === null ? null : await recoverRun(tenantDb, candidate.id, options.signingKey, { leaseEpoch: epoch });
    if (result) {
      const { outcome: _failed, ...run } = result;
      recovered.push(run);
    }
    // A recovered run is sealed like any other: it joins its tenant's log now (and so does any
    // seal the crash left queued).
    if (result?.traceSealed) {
      await drainTenantLog(tenantDb, candidate.tenant_id, {
        signingKey: options.signingKey,
        trustedKeys: options.trustedKeys ?? [options.signingKey.verifierKey],
      });
    }
  }
  return recovered;
}

/** What the recovery of one run may do besides finishing it `failed`. */
interface RecoverRunOptions {
  /** The epoch recovery took the run's lease at: every write is fenced by it. */
  readonly leaseEpoch?: number;
  /**
   * When the run has attempts left and no step with an unknown outcome: the next attempt is
   * queued (in the transaction that sets the run `retry`) instead of finishing it `failed`.
   */
  readonly requeue?: ((db: Kysely<Database>, runId: string) => Promise<void>) | undefined;
}

/** What happened to one run recovery took: its next attempt was queued, or it was finished `failed`. */
export interface RecoveredRunOutcome extends RecoveredRun {
  readonly outcome: 'requeued' | 'failed';
}

/**
 * Finishes one stale run: `failed` with `step_outcome_unknown:<plan step>` when its last step
 * was recorded `started` with no outcome (the action may have happened), else
 * `run_interrupted: …`; its trace completed `aborted` and sealed after the sealer's checks
 * (a forged or damaged trace is not signed: the run ends `trace_integrity:…`). With `requeue`
 * and attempts left (and no unknown outcome), the run is set `retry` now and requeued instead.
 */
async function recoverRun(
  db: Kysely<Database>,
  runId: string,
  signingKey: SigningKey,
  options: RecoverRunOptions = {},
): Promise<RecoveredRunOutcome | null> {
  const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run || run.status !== 'running') return null;
  if (options.leaseEpoch !== undefined && run.lease_epoch !== options.leaseEpoch) return null;
  const fenced = options.leaseEpoch ?? run.lease_epoch;
  const trace = await db.selectFrom('aos_traces').select(['trace_id']).where('run_id', '=', runId).executeTakeFirst();
  await sql`SELECT aos_reservations_release_run(${run.tenant_id}, ${runId})`.execute(db);
  if (!trace) {
    const now = new Date();
    const updated = await db
      .updateTable('runs')
      .set({
        status: 'failed',
        error_message: interruptedMessage(run.attempts),
        completed_at: now,
        duration_ms: now.getTime() - (run.started_at ?? run.created_at).getTime(),
      })
      .where('id', '=', runId)
      .where('status', '=', 'running')
      .where('lease_epoch', '=', fenced)
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n
      ? { runId, tenantId: run.tenant_id, stepCount: 0, traceSealed: false, outcome: 'failed' }
      : null;
  }
  const last = await db
    .selectFrom('aos_trace_steps')
    .select(['step_index', 'status', 'plan_step_id'])
    .where('trace_id', '=', trace.trace_id)
    .orderBy('step_index', 'desc')
    .limit(1)
    .executeTakeFirst();
  const stepCount = last === undefined ? 0 : last.step_index + 1;
  const unknownOutcome = last?.status === 'started';
  const requeue = options.requeue;
  if (requeue && !unknownOutcome && run.attempts < run.max_attempts) {
    const message = `run_interrupted: the lease of attempt ${run.attempts} expired (its worker stopped); attempt ${run.attempts + 1} queued at ${new Date().toISOString()}`;
    const requeued = await db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('runs')
        .set({
          status: 'retry',
          error_message: message,
          next_attempt_at: new Date(),
          lease_owner: null,
          lease_expires_at: null,
        })
        .where('id', '=', runId)
        .where('status', '=', 'running')
        .where('lease_epoch', '=', fenced)
        .returning('id')
        .executeTakeFirst();
      if (row) await requeue(trx, runId);
      return row !== undefined;
    });
    return requeued ? { runId, tenantId: run.tenant_id, stepCount, traceSealed: false, outcome: 'requeued' } : null;
  }
  const message = unknownOutcome
    ? `step_outcome_unknown:${last.plan_step_id ?? `step ${last.step_index}`}`
    : interruptedMessage(run.attempts);
  const finished = await finishAndSealRun(db, {
    runId,
    traceId: trace.trace_id,
    signingKey,
    leaseEpoch: fenced,
    finish: {
      runStatus: 'failed',
      errorMessage: message,
      traceStatus: 'aborted',
      metadata: { run_status: 'failed', recovered: true, error: message },
    },
  });
  if (!finished) return null;
  return {
    runId,
    tenantId: run.tenant_id,
    stepCount,
    traceSealed: finished.integrityFailure === null,
    outcome: 'failed',
  };
}

/**
 * Takes over the lease of a running run whose lease expired (its worker died or stalled past
 * the expiry; SPEC §14) — a new epoch, so the old holder can append and seal nothing more — and
 * then queues its next attempt through `requeue` when it has attempts left and no step with an
 * unknown outcome, or finishes it `failed` with its trace sealed. Null when the run's lease had
 * not expired or someone else got there first.
 *
 * @example
 * ```ts
 * const outcome = await recoverExpiredLease(tenantDb, runId, { signingKey, requeue: (trx, id) => enqueueRun(trx, id) })
 * ```
 */
export async function recoverExpiredLease(
  db: Kysely<Database>,
  runId: string,
  options: { signingKey: SigningKey; requeue: (db: Kysely<Database>, runId: string) => Promise<void> },
): Promise<RecoveredRunOutcome | null> {
  const epoch = await takeLease(db, runId, { onlyExpired: true });
  if (epoch === null) return null;
  return recoverRun(db, runId, options.signingKey, { leaseEpoch: epoch, requeue: options.requeue });
}

/**
 * Takes a running run's lease for recovery (a new epoch: whoever held it can append and seal
 * nothing more) — only an expired one with `onlyExpired`. The new epoch, or null when not taken.
 */
async function takeLease(
  db: Kysely<Database>,
  runId: string,
  options: { onlyExpired: boolean },
): Promise<number | null> {
  const taken = await sql<{ lease_epoch: number }>`
    UPDATE runs SET lease_epoch = lease_epoch + 1, lease_owner = ${`${LEASE_OWNER} (recovery)`},
           lease_expires_at = now() + make_interval(secs => ${LEASE_SECONDS})
     WHERE id = ${runId} AND status = 'running'
       AND (${!options.onlyExpired} OR lease_expires_at < now())
    RETURNING lease_epoch`.execute(db);
  return taken.rows[0]?.lease_epoch ?? null;
}

function interruptedMessage(attempts: number): string {
  return `run_interrupted: the process executing attempt ${attempts} stopped before finishing; recovered at ${new Date().toISOString()}`;
}
