import type { Kysely } from 'kysely';
import type { Database, Run } from '../db/schema';
import { checkPlannerSettings } from '../planner/generate-plan';
import { executeRunAttempt, sleep, type RunnerDeps } from '../runner/run-executor';
import { inlineRetryWaitMs } from '../runner/run-backoff';
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
 * key returns the existing run (executing it only if it is still queued or retrying). A bad
 * planner setting (AOS_PLANNER, AOS_LLM_BASE_URL) is CONFIG_INVALID before anything is written.
 *
 * @example
 * ```ts
 * const { run } = await runGoal(db, { tenantId: 'acme', agentId, goal: 'echo hi' }, { registry, env, signingKey })
 * ```
 */
export async function runGoal(db: Kysely<Database>, input: CreateRunInput, deps: RunnerDeps): Promise<GoalRunResult> {
  checkPlannerSettings(deps.env);
  const { run, created } = await createRun(db, input);
  return { ...(await executeRunToEnd(db, run, deps)), created };
}

/**
 * Executes a run until it reaches a terminal status (a finished run is returned as it is):
 * a retryable failure is retried here after min(backoff, 5 s), up to `max_attempts`. Once
 * `deps.interrupt` is aborted the wait ends and the next attempt runs no step: the run ends
 * `halted` (interrupted by the user) with its trace sealed.
 */
export async function executeRunToEnd(
  db: Kysely<Database>,
  start: Run,
  deps: RunnerDeps,
): Promise<{ run: Run; stepsExecuted: number }> {
  if (start.plan_json === null) checkPlannerSettings(deps.env);
  // The attempts report the wait this loop really makes (retry_scheduled), not a worker's.
  const inline = { ...deps, inlineRetryCapMs: deps.inlineRetryCapMs ?? INLINE_RETRY_CAP_MS };
  let run = start;
  let stepsExecuted = 0;
  while (run.status === 'queued' || run.status === 'retry') {
    if (run.status === 'retry') await sleep(inlineRetryWaitMs(run.attempts, inline.inlineRetryCapMs), deps.interrupt);
    const outcome = await executeRunAttempt(db, run.id, inline);
    run = outcome.run;
    stepsExecuted += outcome.stepsAppended;
  }
  return { run, stepsExecuted };
}
