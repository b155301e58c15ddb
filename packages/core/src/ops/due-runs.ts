import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { AosError } from '../errors';
import { oneLine } from '../planner/plan-errors';
import { escapeUnstorableText } from '../runner/json-sanitize';

/** A run a worker may execute now. */
export interface DueRun {
  readonly id: string;
  readonly tenant_id: string;
  readonly status: 'queued' | 'retry';
}

/** How long a queued run is left to the process that created it before a worker takes it. */
export const DEFAULT_QUEUED_GRACE_MS = 60_000;

/**
 * Runs a worker may execute now, oldest first: `retry` runs whose `next_attempt_at` has come,
 * and `queued` runs created at least `queuedOlderThanMs` ago (a customer CLI executes the runs
 * it creates at once; a queued run that old was left by a process that stopped before
 * executing it), except `excludeRunIds` (runs this worker already failed to execute, so they
 * cannot fill every batch). Lists only: executing (with `executeRunAttempt`) claims a run
 * atomically, so two workers never run the same attempt.
 *
 * @example
 * ```ts
 * for (const run of await listDueRuns(db, { limit: 10 })) await executeRunAttempt(db, run.id, deps)
 * ```
 */
export async function listDueRuns(
  db: Kysely<Database>,
  options: { limit?: number; queuedOlderThanMs?: number; excludeRunIds?: Iterable<string> } = {},
): Promise<DueRun[]> {
  const limit = options.limit ?? 100;
  const grace = options.queuedOlderThanMs ?? DEFAULT_QUEUED_GRACE_MS;
  if (!Number.isInteger(limit) || limit < 1 || !Number.isFinite(grace) || grace < 0) {
    throw new AosError('INVALID_INPUT', `invalid due-run query: limit ${limit}, queued grace ${grace} ms`);
  }
  const excluded = [...(options.excludeRunIds ?? [])];
  const now = new Date();
  let query = db
    .selectFrom('runs')
    .select(['id', 'tenant_id', 'status', 'created_at', 'next_attempt_at'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'retry'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'queued'), eb('created_at', '<=', new Date(now.getTime() - grace))]),
      ]),
    );
  if (excluded.length > 0) query = query.where('id', 'not in', excluded);
  const rows = await query.orderBy('created_at').limit(limit).execute();
  return rows.map((r) => ({ id: r.id, tenant_id: r.tenant_id, status: r.status as DueRun['status'] }));
}

/** An error as one readable reason; a validation error (zod's `issues`) by its first issue, not its JSON dump. */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const issues = (error as { issues?: unknown }).issues;
  const first: unknown = Array.isArray(issues) ? issues[0] : undefined;
  if (first !== null && typeof first === 'object' && typeof (first as { message?: unknown }).message === 'string') {
    const { path, message } = first as { path?: unknown; message: string };
    const at = Array.isArray(path) && path.length > 0 ? `${path.map(String).join('.')}: ` : '';
    const more = (issues as unknown[]).length > 1 ? ` (and ${(issues as unknown[]).length - 1} more issues)` : '';
    return `${error.name}: ${at}${message}${more}`;
  }
  return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message || error.name;
}

/** What {@link recordRunExecutionError} did. */
export interface RecordedRunError {
  /** `worker_error: <the error, on one line>`: what was stored, or would have been. */
  readonly message: string;
  /**
   * True when the run was marked `failed` with `message`; false when it was left as it is: it
   * has a trace (a `running` run's open trace is finished and sealed by stale-run recovery, never
   * by a status change alone) or it already reached a terminal status.
   */
  readonly markedFailed: boolean;
}

/**
 * Records on a run that executing it threw (one tenant's bad run never stops another's):
 * a `queued`, `retry` or `running` run without a trace is marked `failed` with
 * `worker_error: <message>` in one conditional UPDATE, so a run another process finished or
 * one with a trace to seal is never touched. The message is one line and storable (NUL
 * characters and lone surrogates escaped).
 *
 * @example
 * ```ts
 * try { await executeRunAttempt(db, run.id, deps) } catch (error) { await recordRunExecutionError(db, run.id, error) }
 * ```
 */
export async function recordRunExecutionError(
  db: Kysely<Database>,
  runId: string,
  error: unknown,
): Promise<RecordedRunError> {
  const message = `worker_error: ${oneLine(escapeUnstorableText(describeError(error)), 1000) || 'unknown error'}`;
  const updated = await db
    .updateTable('runs')
    .set({ status: 'failed', error_message: message, completed_at: new Date() })
    .where('id', '=', runId)
    .where('status', 'in', ['queued', 'retry', 'running'])
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('aos_traces')
            .select(sql<number>`1`.as('one'))
            .whereRef('aos_traces.run_id', '=', 'runs.id'),
        ),
      ),
    )
    .returning('id')
    .executeTakeFirst();
  return { message, markedFailed: updated !== undefined };
}
