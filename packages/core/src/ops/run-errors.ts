import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { oneLine } from '../planner/plan-errors';
import { escapeUnstorableText } from '../runner/json-sanitize';

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
