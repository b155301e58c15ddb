import { setTimeout as sleep } from 'node:timers/promises';
import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { withOps } from '@aos/core/ops';
import { z } from 'zod';
import { DurationSchema, parseFlags, PositiveIntFlagSchema, type GlobalOptions } from '../flags';
import type { WorkerJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderWorkerErrorLine, renderWorkerLine, renderWorkerSummary, writeDocument } from '../render';

const WorkerFlags = z.object({
  once: z.boolean(),
  interval: DurationSchema,
  queuedAfter: DurationSchema,
  batch: PositiveIntFlagSchema,
});

/**
 * `int-cli worker [--once]`: executes due runs (retry runs whose next attempt has come, queued
 * runs their creator left behind) one attempt at a time (`ops.worker.execute`). It executes
 * runs; it never creates one. Without --once it polls until SIGINT/SIGTERM, finishing the
 * attempt in progress first. A run whose execution throws is recorded on the run, reported,
 * and not listed again by this process; the worker goes on.
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
    await withOps(opsConfig(g, io), async (ops) => {
      while (!stop.signal.aborted) {
        const due = await ops.worker.listDue({
          limit: flags.batch,
          queuedOlderThanMs: flags.queuedAfter,
          excludeRunIds: [...unrecorded],
        });
        for (const candidate of due) {
          if (stop.signal.aborted) break;
          const attempt = await ops.worker.execute(candidate);
          if (attempt.outcome === 'executed') {
            const { outcome: _executed, ...entry } = attempt;
            document.executed.push(entry);
            if (!g.json) io.stdout.write(renderWorkerLine(entry));
          } else if (attempt.outcome === 'skipped') {
            const { outcome: _skipped, ...entry } = attempt;
            document.skipped.push(entry);
          } else {
            const { outcome: _error, ...entry } = attempt;
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
