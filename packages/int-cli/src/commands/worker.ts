import { setTimeout as sleep } from 'node:timers/promises';
import {
  executeRunAttempt,
  isAosError,
  listDueRuns,
  recordRunExecutionError,
  type CliIo,
  type ExitCode,
  type RunnerDeps,
} from '@aos/core';
import { z } from 'zod';
import { DurationSchema, parseFlags, PositiveIntFlagSchema, type GlobalOptions } from '../flags';
import type { WorkerJson } from '../json-shapes';
import { renderWorkerErrorLine, renderWorkerLine, renderWorkerSummary, writeDocument } from '../render';
import { withRuntime } from '../store';

const WorkerFlags = z.object({
  once: z.boolean(),
  interval: DurationSchema,
  queuedAfter: DurationSchema,
  batch: PositiveIntFlagSchema,
});

/**
 * `int-cli worker [--once]`: executes due runs (retry runs whose next attempt has come, queued
 * runs their creator left behind) one attempt at a time with core's executeRunAttempt. It
 * executes runs; it never creates one. Without --once it polls until SIGINT/SIGTERM, finishing
 * the attempt in progress first. A run whose execution throws is recorded (core's
 * recordRunExecutionError), reported, and not listed again by this process; the worker goes on.
 */
export async function runWorker(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(WorkerFlags, args);
  const document: WorkerJson = { executed: [], skipped: [], errors: [] };
  // Runs that threw and could not be marked failed would otherwise come back in every batch.
  const unrecorded = new Set<string>();
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  if (!flags.once) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    await withRuntime(g, io, async (runtime) => {
      // The key is loaded when the first due run is about to be sealed, not for an idle poll.
      let deps: RunnerDeps | undefined;
      const runnerDeps = async (): Promise<RunnerDeps> =>
        (deps ??= { registry: runtime.registry, env: io.env, signingKey: await runtime.signer() });
      while (!stop.signal.aborted) {
        const due = await listDueRuns(runtime.store.db, {
          limit: flags.batch,
          queuedOlderThanMs: flags.queuedAfter,
          excludeRunIds: unrecorded,
        });
        for (const candidate of due) {
          if (stop.signal.aborted) break;
          try {
            const { run, stepsAppended } = await executeRunAttempt(runtime.store.db, candidate.id, await runnerDeps());
            const entry = {
              run_id: run.id,
              tenant_id: run.tenant_id,
              attempt: run.attempts,
              status: run.status,
              steps_appended: stepsAppended,
              error: run.error_message,
            };
            document.executed.push(entry);
            if (!g.json) io.stdout.write(renderWorkerLine(entry));
          } catch (error) {
            // Another worker claimed it between listing and executing: not ours to run.
            if (isAosError(error, 'INVALID_INPUT')) {
              document.skipped.push({ run_id: candidate.id, reason: error.message });
              continue;
            }
            // One bad run never stops the others (docs/int-cli.md, `worker`): record it on the run and go on.
            const entry = await recordError(runtime.store.db, candidate, error);
            if (!entry.marked_failed) unrecorded.add(candidate.id);
            document.errors.push(entry);
            if (!g.json) io.stdout.write(renderWorkerErrorLine(entry));
          }
        }
        if (flags.once) break;
        if (due.length < flags.batch)
          await sleep(flags.interval, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderWorkerSummary(document));
  return 0;
}

async function recordError(
  db: Parameters<typeof recordRunExecutionError>[0],
  run: { id: string; tenant_id: string },
  error: unknown,
): Promise<WorkerJson['errors'][number]> {
  try {
    const recorded = await recordRunExecutionError(db, run.id, error);
    return { run_id: run.id, tenant_id: run.tenant_id, error: recorded.message, marked_failed: recorded.markedFailed };
  } catch (recording) {
    const text = (e: unknown) => (e instanceof Error ? e.message : String(e));
    return {
      run_id: run.id,
      tenant_id: run.tenant_id,
      error: `${text(error)} (recording it on the run failed too: ${text(recording)})`.replace(/\s+/g, ' '),
      marked_failed: false,
    };
  }
}
