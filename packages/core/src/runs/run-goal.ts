import type { Kysely } from 'kysely';
import type { Database, Run } from '../db/schema';
import { executeRunAttempt, type RunnerDeps } from '../runner/run-executor';
import { runRetryDelaySeconds } from '../runner/run-backoff';
import { createRun, type CreateRunInput } from './create-run';

/** Result of {@link runGoal}. */
export interface GoalRunResult {
  readonly run: Run;
  readonly created: boolean;
  /** Trace steps appended by this call (every attempt of every step). */
  readonly stepsExecuted: number;
}

/** Longest pause before an inline retry: an interactive run does not wait minutes. */
export const INLINE_RETRY_CAP_MS = 5000;

/**
 * Creates a run and executes it inline until it reaches a terminal status: when
 * an attempt fails retryably, the next attempt is made here after min(backoff, 5 s), up to
 * `max_attempts`, so the result is never left waiting for a worker. A repeated idempotency
 * key returns the existing run (executing it only if it is still queued or retrying).
 *
 * @example
 * ```ts
 * const { run } = await runGoal(db, { tenantId: 'acme', agentId, goal: 'echo hi' }, { registry, env, signingKey })
 * ```
 */
export async function runGoal(
  db: Kysely<Database>,
  input: CreateRunInput,
  deps: RunnerDeps & { readonly inlineRetryCapMs?: number },
): Promise<GoalRunResult> {
  const { run, created } = await createRun(db, input);
  return { ...(await executeRunToEnd(db, run, deps)), created };
}

/**
 * Executes a run until it reaches a terminal status (a finished run is returned as it is):
 * a retryable failure is retried here after min(backoff, 5 s), up to `max_attempts`.
 */
export async function executeRunToEnd(
  db: Kysely<Database>,
  start: Run,
  deps: RunnerDeps & { readonly inlineRetryCapMs?: number },
): Promise<{ run: Run; stepsExecuted: number }> {
  let run = start;
  let stepsExecuted = 0;
  while (run.status === 'queued' || run.status === 'retry') {
    if (run.status === 'retry') {
      const wait = Math.min(runRetryDelaySeconds(run.attempts) * 1000, deps.inlineRetryCapMs ?? INLINE_RETRY_CAP_MS);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const outcome = await executeRunAttempt(db, run.id, deps);
    run = outcome.run;
    stepsExecuted += outcome.stepsAppended;
  }
  return { run, stepsExecuted };
}
