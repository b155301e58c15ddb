import type { SigningKey } from '@aos/proof';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { completeAndSealTrace } from './trace-writer';

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
  options: { signingKey: SigningKey; olderThanMs?: number; tenantId?: string },
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
    const result = await db.transaction().execute(async (trx) => {
      const run = await trx
        .selectFrom('runs')
        .selectAll()
        .where('id', '=', candidate.id)
        .where('status', '=', 'running')
        .forUpdate()
        .executeTakeFirst();
      if (!run) return null;
      const message = `run_interrupted: the process executing attempt ${run.attempts} stopped before finishing; recovered at ${new Date().toISOString()}`;
      const trace = await trx
        .selectFrom('aos_traces')
        .select('trace_id')
        .where('run_id', '=', run.id)
        .executeTakeFirst();
      let stepCount = 0;
      if (trace) {
        const sealed = await completeAndSealTrace(
          trx,
          trace.trace_id,
          'aborted',
          { run_status: 'failed', recovered: true, error: message },
          options.signingKey,
        );
        stepCount = sealed.chain_length ?? 0;
      }
      await trx.deleteFrom('budget_reservations').where('run_id', '=', run.id).execute();
      const now = new Date();
      await trx
        .updateTable('runs')
        .set({
          status: 'failed',
          error_message: message,
          completed_at: now,
          duration_ms: now.getTime() - (run.started_at ?? run.created_at).getTime(),
        })
        .where('id', '=', run.id)
        .execute();
      return { runId: run.id, tenantId: run.tenant_id, stepCount, traceSealed: trace !== undefined };
    });
    if (result) recovered.push(result);
  }
  return recovered;
}
