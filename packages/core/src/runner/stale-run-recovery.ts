import type { SigningKey, TrustedKeys } from '@aos/proof';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { drainTenantLog } from '../tenant-log/log-sequencer';
import { finishAndSealRun } from './trace-writer';

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
 * Finds runs left `running` by a crashed process — no trace step appended and no attempt
 * started for `olderThanMs` — and finishes them: run `failed`, trace completed `aborted` and
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
    .where((eb) => eb.or([eb('runs.started_at', 'is', null), eb('runs.started_at', '<=', cutoff)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('aos_trace_steps')
            .select(sql`1`.as('one'))
            .whereRef('aos_trace_steps.run_id', '=', 'runs.id')
            .where('aos_trace_steps.completed_at', '>', cutoff),
        ),
      ),
    )
    .orderBy('runs.created_at');
  if (options.tenantId) query = query.where('runs.tenant_id', '=', options.tenantId);
  const stale = await query.execute();
  const recovered: RecoveredRun[] = [];
  for (const candidate of stale) {
    const tenantDb = options.forTenant ? await options.forTenant(candidate.tenant_id) : db;
    const result = await recoverRun(tenantDb, candidate.id, options.signingKey);
    if (result) recovered.push(result);
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

/**
 * Finishes one stale run: `failed` with `step_outcome_unknown:<plan step>` when its last step
 * was recorded `started` with no outcome (the action may have happened), else
 * `run_interrupted: …`; its trace completed `aborted` and sealed after the sealer's checks
 * (a forged or damaged trace is not signed: the run ends `trace_integrity:…`).
 */
async function recoverRun(db: Kysely<Database>, runId: string, signingKey: SigningKey): Promise<RecoveredRun | null> {
  const run = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run || run.status !== 'running') return null;
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
      .executeTakeFirst();
    return updated.numUpdatedRows > 0n ? { runId, tenantId: run.tenant_id, stepCount: 0, traceSealed: false } : null;
  }
  const last = await db
    .selectFrom('aos_trace_steps')
    .select(['step_index', 'status', 'plan_step_id'])
    .where('trace_id', '=', trace.trace_id)
    .orderBy('step_index', 'desc')
    .limit(1)
    .executeTakeFirst();
  const message =
    last?.status === 'started'
      ? `step_outcome_unknown:${last.plan_step_id ?? `step ${last.step_index}`}`
      : interruptedMessage(run.attempts);
  const finished = await finishAndSealRun(db, {
    runId,
    traceId: trace.trace_id,
    signingKey,
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
    stepCount: last === undefined ? 0 : last.step_index + 1,
    traceSealed: finished.integrityFailure === null,
  };
}

function interruptedMessage(attempts: number): string {
  return `run_interrupted: the process executing attempt ${attempts} stopped before finishing; recovered at ${new Date().toISOString()}`;
}
