import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { AosError } from '../errors';

/** The graphile-worker task that executes one attempt of a run (payload `{ run_id }`). */
export const EXECUTE_RUN_TASK = 'aos_execute_run';
/** The graphile-worker task that takes expired leases and runs left without a job (SPEC §14). */
export const RECOVER_RUNS_TASK = 'aos_recover_runs';
/** The schema graphile-worker keeps its queue in. */
export const RUN_QUEUE_SCHEMA = 'graphile_worker';

/**
 * Installs or upgrades graphile-worker's schema on the Postgres server at `url` (its own
 * migrations, each in its own transaction; a no-op when current). `int-cli migrate` and every
 * migrating open of a server store run it before AOS's migrations, whose queue grants name it.
 *
 * @example
 * ```ts
 * await installRunQueue(process.env.DATABASE_URL!)
 * ```
 */
export async function installRunQueue(url: string): Promise<void> {
  // Loaded here, not at the top: a local CLI that never installs the queue does not pay for it.
  const { Logger, runMigrations } = await import('graphile-worker');
  try {
    await runMigrations({ connectionString: url, maxPoolSize: 1, logger: new Logger(() => () => undefined) });
  } catch (error) {
    throw new AosError(
      'MIGRATION_FAILED',
      `installing the run queue (graphile-worker's schema ${RUN_QUEUE_SCHEMA}) failed: ${(error as Error).message}; nothing of AOS's own schema was changed`,
      { cause: error },
    );
  }
}

/**
 * Grants `aos_worker` the queue's tables (and a policy on each, graphile-worker enabling
 * row-level security on them): what migration 0010 does, again, after graphile-worker's own
 * migrations may have added tables. Idempotent; `db` works as the migrating owner.
 */
export async function grantRunQueue(db: Kysely<Database>): Promise<void> {
  await sql`SELECT aos_grant_run_queue()`.execute(db);
}

/**
 * Adds the job that executes run `runId` at `runAt` (now when absent), in the transaction `db`
 * is in — the caller's own, so the run and its job commit together (SPEC §14). `db` must work
 * as the run's tenant; the database refuses another tenant's run, or one that is not `queued`
 * or `retry`. The job key is the run id: a repeat replaces the waiting job, never adds one.
 *
 * @example
 * ```ts
 * await db.transaction().execute(async (trx) => { const { run } = await createRun(trx, input); await enqueueRun(trx, run.id) })
 * ```
 */
export async function enqueueRun(db: Kysely<Database>, runId: string, runAt?: Date | null): Promise<void> {
  await sql`SELECT aos_enqueue_run(${runId}::uuid, ${runAt ?? null}::timestamptz)`.execute(db);
}

/** Whether graphile-worker's schema is installed (its runner applies its own later migrations on start). */
export async function runQueueInstalled(db: Kysely<Database>): Promise<boolean> {
  // The catalogs, not to_regclass: a role without USAGE on the schema must see it too.
  const present = await sql<{ present: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = ${RUN_QUEUE_SCHEMA} AND c.relname = '_private_jobs') AS present`.execute(db);
  return present.rows[0]?.present === true;
}
