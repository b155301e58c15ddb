import { computeGenesisHash, TRACE_FORMAT, type SigningKey } from '@aos/proof';
import { sql, type Kysely } from 'kysely';
import type { Database, Run } from '../db/schema';
import { TERMINAL_RUN_STATUSES } from '../db/schema';
import { AosError } from '../errors';
import { parseInput, tenantIdSchema, uuidSchema } from '../validation';
import { finishAndSealRun, LEASE_OWNER, LEASE_SECONDS, traceIdOf } from './trace-writer';

/** The error message of a cancelled run (and of its sealed outcome leaf). */
export const CANCELLED_MESSAGE = 'cancelled';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_RUN_STATUSES);

/** A cancelled run, and whether a sealed trace records its end. */
export interface CancelledRun {
  readonly run: Run;
  readonly traceSealed: boolean;
}

/**
 * Cancels a tenant's `queued` or `retry` run: it ends `halted` with error `cancelled`, and its
 * trace (the one its earlier attempts began, or a new empty one when the run is planned but
 * never started) is completed `aborted` and sealed, so the cancellation itself is signed and
 * verifiable. A run with no plan yet (created locally, not executed) has nothing to seal: it is
 * halted without a trace.
 *
 * The run is fenced like any attempt: cancelling takes its lease (status `running`, a new epoch)
 * before it seals, so a worker that picks the run's job up at the same moment cannot claim it,
 * and the seal is written under the cancel's epoch only. A run that is `running` — a worker or
 * an inline `run` is executing it — is never taken from its executor: RUN_EXECUTING ("try
 * again"); a terminal run is RUN_FINISHED; a missing run or another tenant's is RUN_NOT_FOUND.
 *
 * @example
 * ```ts
 * const { run } = await cancelRun(db, { tenantId: 'acme', runId, signingKey })
 * run.status // 'halted'
 * ```
 */
export async function cancelRun(
  db: Kysely<Database>,
  input: { readonly tenantId: string; readonly runId: string; readonly signingKey: SigningKey },
): Promise<CancelledRun> {
  const tenant = parseInput(tenantIdSchema, input.tenantId, 'tenant_id');
  const id = parseInput(uuidSchema, input.runId, 'run_id');
  // One statement: only a queued or retrying run of this tenant is taken, so a worker's claim
  // (the same condition) and this one cannot both succeed.
  const taken = await sql<Run>`
    UPDATE runs SET status = 'running', next_attempt_at = NULL,
           lease_owner = ${`${LEASE_OWNER} (cancel)`}, lease_epoch = lease_epoch + 1,
           lease_expires_at = now() + make_interval(secs => ${LEASE_SECONDS})
     WHERE id = ${id} AND tenant_id = ${tenant} AND status IN ('queued', 'retry')
    RETURNING *`.execute(db);
  const run = taken.rows[0];
  if (!run) throw await notCancellable(db, tenant, id);
  await sql`SELECT aos_reservations_release_run(${tenant}, ${id})`.execute(db);
  const traceId = await ensureTrace(db, run);
  const finish = {
    runStatus: 'halted',
    errorMessage: CANCELLED_MESSAGE,
    traceStatus: 'aborted',
    metadata: { run_status: 'halted', cancelled: true, error: CANCELLED_MESSAGE },
  } as const;
  if (traceId === null) {
    const now = new Date();
    const halted = await db
      .updateTable('runs')
      .set({
        status: 'halted',
        error_message: CANCELLED_MESSAGE,
        completed_at: now,
        duration_ms: now.getTime() - (run.started_at ?? run.created_at).getTime(),
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('id', '=', id)
      .where('status', '=', 'running')
      .where('lease_epoch', '=', run.lease_epoch)
      .returningAll()
      .executeTakeFirst();
    if (!halted)
      throw new AosError('RUN_EXECUTING', `run ${id} was taken over while it was being cancelled; try again`);
    return { run: halted, traceSealed: false };
  }
  const sealed = await finishAndSealRun(db, {
    runId: id,
    traceId,
    finish,
    signingKey: input.signingKey,
    leaseEpoch: run.lease_epoch,
  });
  if (!sealed) throw new AosError('RUN_EXECUTING', `run ${id} was taken over while it was being cancelled; try again`);
  return { run: sealed.run, traceSealed: sealed.integrityFailure === null };
}

/** Why a run could not be taken for cancelling, from what it is now. */
async function notCancellable(db: Kysely<Database>, tenant: string, id: string): Promise<AosError> {
  const now = await db
    .selectFrom('runs')
    .select(['status'])
    .where('id', '=', id)
    .where('tenant_id', '=', tenant)
    .executeTakeFirst();
  if (!now) return new AosError('RUN_NOT_FOUND', `run ${id} not found for tenant ${tenant}`);
  if (TERMINAL.has(now.status)) {
    return new AosError(
      'RUN_FINISHED',
      `run ${id} already finished (${now.status}): a finished run cannot be cancelled`,
    );
  }
  return new AosError(
    'RUN_EXECUTING',
    `run ${id} is executing (status ${now.status}); try again when the attempt ends`,
  );
}

/**
 * The run's trace id: its existing trace, or a new one begun now for a planned run that never
 * started (so the cancellation is sealed like any other end). Null for a run with no plan.
 */
async function ensureTrace(db: Kysely<Database>, run: Run): Promise<string | null> {
  const traceId = traceIdOf(run.id);
  const existing = await db
    .selectFrom('aos_traces')
    .select(['trace_id'])
    .where('trace_id', '=', traceId)
    .executeTakeFirst();
  if (existing) return traceId;
  if (run.plan_json === null || run.plan_hash === null) return null;
  const genesis = computeGenesisHash({
    plan_hash: run.plan_hash,
    run_id: run.id,
    tenant_id: run.tenant_id,
    trace_id: traceId,
  });
  await db
    .insertInto('aos_traces')
    .values({
      trace_id: traceId,
      run_id: run.id,
      tenant_id: run.tenant_id,
      agent_id: run.agent_id,
      plan: JSON.stringify(run.plan_json),
      plan_hash: run.plan_hash,
      schema_version: TRACE_FORMAT,
      started_at: new Date(),
      genesis_hash: genesis,
    })
    .execute();
  return traceId;
}
