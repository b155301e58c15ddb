import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { withOps } from '@aos/core/ops';
import { z } from 'zod';
import { parseFlags, PositiveIntFlagSchema, type GlobalOptions } from '../flags';
import type { WorkerJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import {
  renderWorkerErrorLine,
  renderWorkerLine,
  renderWorkerRecovery,
  renderWorkerSummary,
  writeDocument,
} from '../render';

const WorkerFlags = z.object({ once: z.boolean(), concurrency: PositiveIntFlagSchema });

/**
 * `int-cli worker [--concurrency N] [--once]`: a graphile-worker runner executing the runs the
 * service queued (`ops.worker.run`), N at a time, with the recovery task and this process's
 * tenant-log sequencer. It executes runs; it never creates one. Without --once it works until
 * SIGINT/SIGTERM, then drains: no new job, each attempt in progress finishes its current step
 * and releases its run for the next worker; exit 0. A run whose execution throws is recorded on
 * the run and reported; the worker goes on.
 */
export async function runWorker(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(WorkerFlags, args);
  const document: WorkerJson = {
    executed: [],
    skipped: [],
    errors: [],
    recovered: { requeued: [], failed: [], enqueued: [] },
  };
  const stop = new AbortController();
  const onSignal = (): void => {
    if (!g.json && !stop.signal.aborted) io.stderr.write('int-cli worker: stopping after the current steps…\n');
    stop.abort();
  };
  if (!flags.once) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }
  try {
    await withOps(opsConfig(g, io), (ops) =>
      ops.worker.run({
        concurrency: flags.concurrency,
        once: flags.once,
        signal: stop.signal,
        onStarted: () => {
          if (!flags.once) {
            io.stderr.write(
              `int-cli worker: executing up to ${flags.concurrency} run${flags.concurrency === 1 ? '' : 's'} at once; SIGTERM drains\n`,
            );
          }
        },
        onLog: (message) => io.stderr.write(`int-cli worker: ${message}\n`),
        onRecovery: (report) => {
          document.recovered.requeued.push(...report.requeued);
          document.recovered.failed.push(...report.failed);
          document.recovered.enqueued.push(...report.enqueued);
          if (!g.json) io.stdout.write(renderWorkerRecovery(report));
        },
        onAttempt: (attempt) => {
          if (attempt.outcome === 'executed') {
            const { outcome: _executed, ...entry } = attempt;
            document.executed.push(entry);
            if (!g.json) io.stdout.write(renderWorkerLine(entry));
          } else if (attempt.outcome === 'skipped') {
            const { outcome: _skipped, ...entry } = attempt;
            document.skipped.push(entry);
          } else {
            const { outcome: _error, ...entry } = attempt;
            document.errors.push(entry);
            if (!g.json) io.stdout.write(renderWorkerErrorLine(entry));
          }
        },
      }),
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderWorkerSummary(document));
  return 0;
}
