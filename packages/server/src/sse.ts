import { PassThrough } from 'node:stream';
import {
  RunEndEventSchema,
  RunStatusEventSchema,
  RunStepEventSchema,
  type RUN_STREAM_EVENTS,
  type RunDetailsView,
} from '@aos/core/contract';
import type { AosService } from '@aos/core/service';
import type { FastifyBaseLogger } from 'fastify';
import type { RunRef } from './app';

/** The event streams open in this process, so shutdown can end them (clients reconnect with Last-Event-ID). */
export interface EventStreams {
  add(stop: () => void): () => void;
  closeAll(): void;
}

/** @example `const streams = createEventStreams(); const remove = streams.add(() => stream.end())` */
export function createEventStreams(): EventStreams {
  const open = new Set<() => void>();
  return {
    add(stop) {
      open.add(stop);
      return () => open.delete(stop);
    },
    closeAll() {
      for (const stop of [...open]) stop();
    },
  };
}

const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'halted']);

// How long a terminal run whose finished trace carries no seal is awaited before the stream ends
// anyway (a seal that failed is the runner's to record; the stream must not hang on it).
const SEAL_GRACE_MS = 10_000;

/**
 * A run is done streaming once terminal and, when it has a trace, once that trace is sealed and
 * in its tenant log (its receipt is what the end event carries).
 */
function finished(details: RunDetailsView, unsealedSince: number | undefined): boolean {
  if (!TERMINAL_STATUSES.has(details.run.status)) return false;
  const trace = details.trace;
  if (trace === null || (trace.sealed_at !== null && details.receipt !== null)) return true;
  return trace.status !== 'running' && unsealedSince !== undefined && Date.now() - unsealedSince > SEAL_GRACE_MS;
}

function frame(event: (typeof RUN_STREAM_EVENTS)[number], data: unknown, id?: number): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** How a stream polls and what it resumes after. */
export interface RunStreamOptions {
  readonly ref: RunRef;
  /** `Last-Event-ID`: steps up to and including this index were seen. */
  readonly after: number | undefined;
  readonly pollMs: number;
  readonly heartbeatMs: number;
  readonly log: FastifyBaseLogger;
}

/**
 * The events of a run as SSE text (`@aos/core/contract`, RUN_STREAM_EVENTS), built by re-reading
 * the stored run, so it reads the same whichever process executes it. Starts from `first` (read
 * by the caller, so a missing run is an ordinary 404 before any byte is streamed), ends after
 * `end`, or when `stop` is called (client gone, shutdown). Every event is checked against its
 * contract schema before it is written.
 *
 * @example
 * ```ts
 * const { stream, stop } = streamRunEvents(service, await service.aos.runs.get(ref), options)
 * reply.send(stream)
 * ```
 */
export function streamRunEvents(
  service: AosService,
  first: RunDetailsView,
  options: RunStreamOptions,
): { stream: PassThrough; stop: () => void } {
  const stream = new PassThrough();
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = (): void => {
    stopped = true;
    wake?.();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const heartbeat = setInterval(() => stream.write(': heartbeat\n\n'), options.heartbeatMs);
  stream.on('close', stop);

  const pump = async (): Promise<void> => {
    let details = first;
    let lastStep = options.after ?? -1;
    let lastStatus = '';
    let unsealedSince: number | undefined;
    stream.write(`retry: ${Math.max(1000, options.pollMs)}\n\n`);
    while (!stopped) {
      const steps = [...details.steps].sort((a, b) => a.step_index - b.step_index);
      for (const step of steps) {
        if (step.step_index <= lastStep) continue;
        stream.write(frame('step', RunStepEventSchema.parse(step), step.step_index));
        lastStep = step.step_index;
      }
      const status = RunStatusEventSchema.parse({
        status: details.run.status,
        attempts: details.run.attempts,
        error_message: details.run.error_message,
      });
      const statusText = JSON.stringify(status);
      if (statusText !== lastStatus) {
        stream.write(frame('status', status));
        lastStatus = statusText;
      }
      if (TERMINAL_STATUSES.has(details.run.status) && details.trace?.status !== 'running')
        unsealedSince ??= Date.now();
      // Between the seal and the sequencer's batch (a few hundred ms) the receipt is on its way.
      if (finished(details, unsealedSince)) {
        const { plan: _plan, ...run } = details.run;
        const end = { run, steps: details.steps.length, receipt: details.receipt };
        stream.write(frame('end', RunEndEventSchema.parse(end)));
        return;
      }
      // Sealed and waiting for the sequencer's batch (tens of ms): look again soon.
      const awaitingReceipt = details.trace?.sealed_at != null && details.receipt === null;
      await sleep(awaitingReceipt ? Math.min(50, options.pollMs) : options.pollMs);
      if (stopped) return;
      details = await service.aos.runs.get(options.ref);
    }
  };
  void pump()
    .catch((error: unknown) => options.log.error({ err: error, run_id: options.ref.runId }, 'event stream failed'))
    .finally(() => {
      clearInterval(heartbeat);
      stream.end();
    });
  return { stream, stop };
}
