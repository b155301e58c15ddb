import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { AosError } from '../errors';

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
 * executing it). Lists only: executing (with `executeRunAttempt`) claims a run atomically, so
 * two workers never run the same attempt.
 *
 * @example
 * ```ts
 * for (const run of await listDueRuns(db, { limit: 10 })) await executeRunAttempt(db, run.id, deps)
 * ```
 */
export async function listDueRuns(
  db: Kysely<Database>,
  options: { limit?: number; queuedOlderThanMs?: number } = {},
): Promise<DueRun[]> {
  const limit = options.limit ?? 100;
  const grace = options.queuedOlderThanMs ?? DEFAULT_QUEUED_GRACE_MS;
  if (!Number.isInteger(limit) || limit < 1 || !Number.isFinite(grace) || grace < 0) {
    throw new AosError('INVALID_INPUT', `invalid due-run query: limit ${limit}, queued grace ${grace} ms`);
  }
  const now = new Date();
  const rows = await db
    .selectFrom('runs')
    .select(['id', 'tenant_id', 'status', 'created_at', 'next_attempt_at'])
    .where((eb) =>
      eb.or([
        eb.and([eb('status', '=', 'retry'), eb('next_attempt_at', '<=', now)]),
        eb.and([eb('status', '=', 'queued'), eb('created_at', '<=', new Date(now.getTime() - grace))]),
      ]),
    )
    .orderBy('created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, tenant_id: r.tenant_id, status: r.status as DueRun['status'] }));
}
