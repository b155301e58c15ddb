import type { AosService } from '@aos/core/service';
import type { FastifyBaseLogger } from 'fastify';

type Aos = AosService['aos'];
/** One run of one tenant, as the facade takes it. */
export type RunRef = Parameters<Aos['runs']['get']>[0];

/** Runs this process is executing after answering `POST /v1/runs`, so shutdown can wait for them. */
export interface RunExecutions {
  /** Starts executing a run in the background (a run already executing here is left alone). */
  start(ref: RunRef): void;
  /** How many are still executing. */
  readonly size: number;
  /** Waits for every execution, at most `timeoutMs`; true when all finished. */
  drain(timeoutMs: number): Promise<boolean>;
}

/**
 * Executes runs in-process until workers exist (SPEC §14). A failure is the runner's to record
 * on the run (it does, with the error message); here it is only logged, and never reaches the
 * client, whose answer was sent before execution began.
 *
 * @example
 * ```ts
 * const executions = createRunExecutions(service.aos, app.log)
 * executions.start({ tenantId, runId })
 * await executions.drain(30_000)
 * ```
 */
export function createRunExecutions(aos: Aos, log: FastifyBaseLogger): RunExecutions {
  const running = new Map<string, Promise<void>>();
  return {
    start(ref) {
      if (running.has(ref.runId)) return;
      const execution = aos.runs
        .execute(ref)
        .then(
          ({ run, steps_executed }) =>
            log.info({ run_id: run.id, tenant_id: ref.tenantId, status: run.status, steps_executed }, 'run executed'),
          (error: unknown) =>
            log.error({ err: error, run_id: ref.runId, tenant_id: ref.tenantId }, 'run execution failed'),
        )
        .finally(() => running.delete(ref.runId));
      running.set(ref.runId, execution);
    },
    get size() {
      return running.size;
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const all = Promise.all([...running.values()]).then(() => true as const);
      try {
        const done = await Promise.race([all, timedOut]);
        if (!done) log.warn({ still_executing: running.size }, 'shutdown stopped waiting for run executions');
        return done;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
