import type { RunStatus, SigningKey } from '@aos/proof';
import type { JobHelpers, Runner, Task } from 'graphile-worker';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { AosDatabase } from '../db/database';
import type { Database } from '../db/schema';
import { AosError, isAosError } from '../errors';
import { recordRunExecutionError } from '../ops/run-errors';
import { executeRunAttempt, type RunnerDeps } from '../runner/run-executor';
import { recoverExpiredLease } from '../runner/stale-run-recovery';
import type { SkillRegistry } from '../skills/skill-registry';
import type { SkillEnv } from '../skills/skill-types';
import { enqueueRun, EXECUTE_RUN_TASK, RECOVER_RUNS_TASK } from './run-queue';

/** How often the recovery task runs (SPEC §14): expired leases are taken within this of expiring. */
export const RECOVER_EVERY_MS = 15_000;
/** A queued run with no job this old is given one by recovery (its creator stopped first). */
export const UNQUEUED_GRACE_SECONDS = 60;
const RECOVER_BATCH = 100;

/** What one job of a run did, as a worker reports it. */
export type RunAttemptReport =
  | {
      /** One attempt ran; the run is in `status` now. */
      readonly outcome: 'executed';
      readonly run_id: string;
      readonly tenant_id: string;
      readonly attempt: number;
      readonly status: RunStatus;
      readonly steps_appended: number;
      readonly error: string | null;
    }
  | {
      /** Not executable (finished, executing elsewhere, not due yet, gone): not this job's to run. */
      readonly outcome: 'skipped';
      readonly run_id: string;
      readonly reason: string;
    }
  | {
      /** Executing it threw; that was recorded on the run when it could be (`marked_failed`). */
      readonly outcome: 'error';
      readonly run_id: string;
      readonly tenant_id: string;
      readonly error: string;
      readonly marked_failed: boolean;
    };

/** What a pass of the recovery task did. */
export interface QueueRecoveryReport {
  /** Runs whose lease expired and whose next attempt was queued. */
  readonly requeued: readonly string[];
  /** Runs whose lease expired that were finished `failed` (attempts exhausted or an unknown outcome), trace sealed. */
  readonly failed: readonly string[];
  /** Waiting runs that had no job and were given one. */
  readonly enqueued: readonly string[];
}

/** What executing queued runs needs: the store and what the runner needs besides it. */
export interface RunWorkerDeps {
  readonly store: AosDatabase;
  readonly registry: SkillRegistry;
  readonly env: SkillEnv;
  readonly signer: () => Promise<SigningKey>;
  /** After a seal: wake this process's tenant-log sequencer. Never awaited for long. */
  readonly afterSeal?: ((db: Kysely<Database>, tenantId: string) => Promise<unknown>) | undefined;
  /** Told about every job of a run, as it finishes. */
  readonly onAttempt?: ((report: RunAttemptReport) => void) | undefined;
  /** Told about every recovery pass that changed something. */
  readonly onRecovery?: ((report: QueueRecoveryReport) => void) | undefined;
  /** Told when a job fails in a way graphile-worker retries (the database went away, …). */
  readonly onError?: ((message: string) => void) | undefined;
}

const JobPayloadSchema = z.object({ run_id: z.uuid(), tenant_id: z.string().min(1) });

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Executes one attempt of the run a job names, as the run's tenant (the job says which; the
 * database wrote it from the enqueuing session's tenant). Never throws for the run's own
 * failure: that is recorded on the run, so one poisoned run never stops a worker or another
 * tenant's runs. Throws only when even recording failed (graphile-worker retries the job).
 *
 * @example
 * ```ts
 * const report = await executeQueuedRun(deps, { run_id, tenant_id })
 * ```
 */
export async function executeQueuedRun(
  deps: RunWorkerDeps,
  payload: unknown,
  signal?: AbortSignal,
): Promise<RunAttemptReport> {
  const parsed = JobPayloadSchema.safeParse(payload);
  if (!parsed.success) {
    throw new AosError('INVALID_INPUT', `job payload is not { run_id, tenant_id }: ${JSON.stringify(payload)}`);
  }
  const { run_id: runId, tenant_id: tenantId } = parsed.data;
  const db = deps.store.forTenant(tenantId);
  const run = await db
    .selectFrom('runs')
    .select(['status', 'next_attempt_at'])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!run) return { outcome: 'skipped', run_id: runId, reason: 'no such run' };
  if (run.status !== 'queued' && run.status !== 'retry') {
    return { outcome: 'skipped', run_id: runId, reason: `run is ${run.status}` };
  }
  // A job that came early (another was added in its place): the run's own time decides.
  if (run.status === 'retry' && run.next_attempt_at !== null && run.next_attempt_at.getTime() > Date.now() + 1000) {
    await enqueueRun(db, runId, run.next_attempt_at);
    return { outcome: 'skipped', run_id: runId, reason: `next attempt at ${run.next_attempt_at.toISOString()}` };
  }
  try {
    const runner: RunnerDeps = {
      registry: deps.registry,
      env: deps.env,
      signingKey: await deps.signer(),
      afterSeal: deps.afterSeal,
      enqueue: enqueueRun,
      signal,
    };
    const { run: after, stepsAppended } = await executeRunAttempt(db, runId, runner);
    return {
      outcome: 'executed',
      run_id: after.id,
      tenant_id: after.tenant_id,
      attempt: after.attempts,
      status: after.status,
      steps_appended: stepsAppended,
      error: after.error_message,
    };
  } catch (error) {
    // Claimed by another worker first, or taken over by recovery: not ours to run.
    if (isAosError(error, 'INVALID_INPUT')) return { outcome: 'skipped', run_id: runId, reason: error.message };
    try {
      const recorded = await recordRunExecutionError(db, runId, error);
      return {
        outcome: 'error',
        run_id: runId,
        tenant_id: tenantId,
        error: recorded.message,
        marked_failed: recorded.markedFailed,
      };
    } catch (recording) {
      throw new AosError(
        'INTERNAL',
        `run ${runId}: ${text(error)} (recording it on the run failed too: ${text(recording)})`.replace(/\s+/g, ' '),
        { cause: error },
      );
    }
  }
}

/**
 * One pass of recovery (SPEC §14), across tenants, each run handled as its own tenant: runs
 * whose lease expired get their next attempt queued, or are finished `failed` with the trace
 * sealed; waiting runs without a job get one.
 *
 * @example
 * ```ts
 * const { requeued, failed, enqueued } = await recoverQueuedRuns(deps)
 * ```
 */
export async function recoverQueuedRuns(deps: RunWorkerDeps): Promise<QueueRecoveryReport> {
  const found = await sql<{ run_id: string; tenant_id: string; reason: 'lease_expired' | 'unqueued' }>`
    SELECT run_id, tenant_id, reason
      FROM aos_runs_to_recover(make_interval(secs => ${UNQUEUED_GRACE_SECONDS}), ${RECOVER_BATCH})`.execute(
    deps.store.db,
  );
  const report = { requeued: [] as string[], failed: [] as string[], enqueued: [] as string[] };
  for (const { run_id: runId, tenant_id: tenantId, reason } of found.rows) {
    const db = deps.store.forTenant(tenantId);
    if (reason === 'unqueued') {
      // Refused when the run moved on meanwhile (executed inline, finished): nothing to do.
      const added = await enqueueRun(db, runId).then(
        () => true,
        (error: unknown) => {
          if ((error as { code?: unknown }).code !== 'AO001') throw error;
          return false;
        },
      );
      if (added) report.enqueued.push(runId);
      continue;
    }
    const outcome = await recoverExpiredLease(db, runId, {
      signingKey: await deps.signer(),
      requeue: (trx, id) => enqueueRun(trx, id),
    });
    if (outcome?.outcome === 'requeued') report.requeued.push(runId);
    if (outcome?.outcome === 'failed') {
      report.failed.push(runId);
      if (outcome.traceSealed) await deps.afterSeal?.(db, tenantId).catch(() => undefined);
    }
  }
  if (report.requeued.length + report.failed.length + report.enqueued.length > 0) deps.onRecovery?.(report);
  return report;
}

/** A running graphile-worker runner executing AOS's runs. */
export interface RunWorker {
  /**
   * Graceful shutdown (SPEC §14): takes no new job, lets every attempt in progress finish its
   * current step, releases those runs' leases (each run `retry` now, its next job queued) and
   * resolves when every job has returned.
   */
  stop(): Promise<void>;
  /** Settles when the runner stops (rejects when it failed). */
  readonly done: Promise<void>;
}

/** Options of {@link startRunWorker}. */
export interface RunWorkerOptions {
  /** The Postgres server's URL: graphile-worker's own connections (LISTEN/NOTIFY, job locks). */
  readonly connectionString: string;
  /** Jobs executed at once by this process. */
  readonly concurrency: number;
  /** Execute what is due now, then resolve (no LISTEN, no cron): `int-cli worker --once`. */
  readonly once?: boolean | undefined;
  /** graphile-worker's own warnings and errors (its info lines are not passed on). */
  readonly log?: ((level: string, message: string) => void) | undefined;
}

function tasks(deps: RunWorkerDeps, signal: AbortSignal): Record<string, Task> {
  return {
    [EXECUTE_RUN_TASK]: async (payload: unknown) => {
      const report = await executeQueuedRun(deps, payload, signal);
      deps.onAttempt?.(report);
    },
    [RECOVER_RUNS_TASK]: async (_payload: unknown, helpers: JobHelpers) => {
      try {
        await recoverQueuedRuns(deps);
      } finally {
        // The next pass, one chain for the deployment (the job key), whoever runs this one.
        if (!signal.aborted) await scheduleRecovery(helpers.addJob, 'replace');
      }
    },
  };
}

function scheduleRecovery(addJob: JobHelpers['addJob'], mode: 'replace' | 'preserve_run_at'): Promise<unknown> {
  return addJob(
    RECOVER_RUNS_TASK,
    {},
    { jobKey: RECOVER_RUNS_TASK, jobKeyMode: mode, runAt: new Date(Date.now() + RECOVER_EVERY_MS), maxAttempts: 3 },
  );
}

/**
 * Starts a graphile-worker runner (SPEC §14) that executes `aos_execute_run` jobs, `concurrency`
 * at a time, woken by LISTEN/NOTIFY, and runs the recovery task every 15 s (a self-rescheduling
 * job with one key for the whole deployment, restarted by a once-a-minute cron entry if a dead
 * worker held it: graphile-worker's cron counts in minutes). Per-run errors are recorded on the
 * run and never stop the runner.
 *
 * @example
 * ```ts
 * const worker = await startRunWorker(deps, { connectionString: url, concurrency: 4 })
 * process.once('SIGTERM', () => void worker.stop())
 * ```
 */
export async function startRunWorker(deps: RunWorkerDeps, options: RunWorkerOptions): Promise<RunWorker> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new AosError('INVALID_INPUT', `worker concurrency must be a whole number ≥ 1, got ${options.concurrency}`);
  }
  // Loaded here: only a process that works the queue pays for graphile-worker.
  const { Logger, run, runOnce } = await import('graphile-worker');
  const stopping = new AbortController();
  const log = options.log ?? (() => undefined);
  const logger = new Logger(() => (level, message) => {
    const name = String(level);
    if (name === 'warning' || name === 'error') log(name, message);
  });
  const common = {
    connectionString: options.connectionString,
    // One connection per job in flight, one for LISTEN, one for the runner's own bookkeeping.
    maxPoolSize: options.concurrency + 2,
    logger,
    noHandleSignals: true,
    taskList: tasks(deps, stopping.signal),
  };
  if (options.once) {
    // What recovery would take now, then every job that is due.
    await recoverQueuedRuns(deps);
    await runOnce({ ...common, concurrency: 1 });
    return { stop: () => Promise.resolve(), done: Promise.resolve() };
  }
  const runner: Runner = await run({
    ...common,
    concurrency: options.concurrency,
    // LISTEN/NOTIFY wakes the runner for jobs due now; this is only how soon a job scheduled for
    // later (a retry's run_at, the next recovery pass) is noticed.
    pollInterval: 1000,
    crontab: `* * * * * ${RECOVER_RUNS_TASK} ?jobKey=${RECOVER_RUNS_TASK}&jobKeyMode=preserve_run_at&max=3`,
  });
  // The first pass now-ish, unless the deployment's chain already has one scheduled.
  await scheduleRecovery(runner.addJob, 'preserve_run_at');
  let stopped: Promise<void> | undefined;
  return {
    stop: () =>
      (stopped ??= (async () => {
        const shutdown = runner.stop();
        stopping.abort();
        await shutdown;
      })()),
    done: runner.promise,
  };
}
