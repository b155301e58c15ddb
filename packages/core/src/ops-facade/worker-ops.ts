import { z } from 'zod';
import { isAosError } from '../errors';
import { listDueRuns, recordRunExecutionError } from '../ops/due-runs';
import { executeRunAttempt } from '../runner/run-executor';
import { parseInput, uuidSchema } from '../validation';
import type { OpsContext } from './ops-context';
import type { AosOps, WorkerAttempt } from './ops-types';

const DueRunQuerySchema = z
  .object({
    limit: z.number().int().min(1).optional(),
    queuedOlderThanMs: z.number().int().min(0).optional(),
    excludeRunIds: z.array(z.string()).optional(),
  })
  .strict();

function text(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * `worker`: lists due runs and executes them one attempt at a time with `executeRunAttempt`.
 * It executes runs; it never creates one. The signing key is loaded when the first due run is
 * about to be executed, not for an idle poll.
 */
export function workerOps(ctx: OpsContext): AosOps['worker'] {
  return {
    async listDue(query = {}) {
      const q = parseInput(DueRunQuerySchema, query, 'worker');
      return listDueRuns(await ctx.audit(), q);
    },
    async execute(run): Promise<WorkerAttempt> {
      const runId = parseInput(uuidSchema, run.id, 'run.id');
      // Listed across tenants (aos_audit), executed as the run's own tenant.
      const db = await ctx.forTenant(run.tenant_id);
      try {
        const deps = { registry: ctx.registry(), env: ctx.env, signingKey: await ctx.signer() };
        const { run: after, stepsAppended } = await executeRunAttempt(db, runId, deps);
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
        // Another worker claimed it between listing and executing: not ours to run.
        if (isAosError(error, 'INVALID_INPUT')) return { outcome: 'skipped', run_id: runId, reason: error.message };
        // One bad run never stops the others (docs/int-cli.md, `worker`): record it on the run.
        try {
          const recorded = await recordRunExecutionError(db, runId, error);
          return {
            outcome: 'error',
            run_id: runId,
            tenant_id: run.tenant_id,
            error: recorded.message,
            marked_failed: recorded.markedFailed,
          };
        } catch (recording) {
          return {
            outcome: 'error',
            run_id: runId,
            tenant_id: run.tenant_id,
            error: `${text(error)} (recording it on the run failed too: ${text(recording)})`.replace(/\s+/g, ' '),
            marked_failed: false,
          };
        }
      }
    },
  };
}
