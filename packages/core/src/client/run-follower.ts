import { RunEndEventSchema, RunStatusEventSchema, RunStepEventSchema } from '../aos/api-contract';
import { RunDetailsViewSchema, type RunDetailsView, type RunView, type TraceStepView } from '../aos/aos-contract';
import { AosError } from '../errors';
import type { RunEvent, RunEventListener } from './aos-types';
import { errorFromAnswer, type HttpClient } from './http-client';
import { readSseEvents } from './sse-reader';

const EVENTS_ROUTE = 'GET /v1/runs/{id}/events';
/** Reconnects allowed in a row without a new event in between: a stream that keeps dropping is an error. */
const MAX_RECONNECTS = 5;
const RECONNECT_DELAY_MS = 250;

/** The plan's steps as the events need them: position and skill of each step id. */
interface PlanOutline {
  readonly hash: string | null;
  readonly planner: string;
  readonly steps: readonly { readonly id: string; readonly skill: string; readonly attempts: number }[];
}

function planOutline(details: RunDetailsView): PlanOutline | null {
  const plan = details.run.plan;
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan) || !Array.isArray(plan.steps)) return null;
  const steps = plan.steps.flatMap((step) => {
    if (step === null || typeof step !== 'object' || Array.isArray(step)) return [];
    const id = typeof step.step_id === 'string' ? step.step_id : '?';
    const skill = typeof step.skill === 'string' ? step.skill : '?';
    const attempts = typeof step.retry_count === 'number' ? step.retry_count : 1;
    return [{ id, skill, attempts }];
  });
  return { hash: details.run.plan_hash, planner: typeof plan.planner === 'string' ? plan.planner : 'unknown', steps };
}

/** What following a run to its end came to: the terminal run and the steps the stream carried. */
export interface FollowedRun {
  readonly run: RunView;
  /** Trace steps appended while this call followed (the stream resumes after `afterStep`). */
  readonly stepsSeen: number;
}

/**
 * Follows `GET /v1/runs/{id}/events` until its `end` event, translating the stored steps into
 * the {@link RunEvent}s the local runner emits (planned, attempt_started, step_started,
 * step_finished, retry_scheduled, finished), as far as stored data tells them: a step without
 * side effects is one stored row, so its `step_started` is emitted when its row arrives, and
 * `willRetry` of a failed step is known when the next row of the same plan step arrives. A
 * dropped stream is resumed with `Last-Event-ID`.
 */
export async function followRun(
  http: HttpClient,
  details: RunDetailsView,
  options: {
    readonly onEvent?: RunEventListener | undefined;
    /** The caller just created the run: report it from its plan and first step on. */
    readonly fromStart: boolean;
    /** Stops following (the run goes on on the server): the call rejects with the abort reason. */
    readonly interrupt?: AbortSignal | undefined;
  },
): Promise<FollowedRun> {
  const runId = details.run.id;
  const emit = (event: RunEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure must not change what following does (as in the local runner).
    }
  };
  // The plan is stored before the first attempt; a run just created may not have it yet, so it
  // is read again when the stream first says something.
  let outline = planOutline(details);
  let planAnnounced = !options.fromStart;
  const announcePlan = async (): Promise<void> => {
    if (planAnnounced) return;
    if (outline === null || outline.hash === null) outline = planOutline(await getRunDetails(http, runId));
    if (outline === null || outline.hash === null) return;
    planAnnounced = true;
    emit({ type: 'planned', runId, planHash: outline.hash, stepCount: outline.steps.length, planner: outline.planner });
  };
  await announcePlan();
  const path = `/v1/runs/${encodeURIComponent(runId)}/events`;
  let lastStep: number | null = options.fromStart ? null : (details.steps.at(-1)?.step_index ?? null);
  // The attempt whose attempt_started was emitted (a run already running when followed counts as
  // announced only when this call did not create it).
  let announcedAttempt = options.fromStart ? 0 : details.run.attempts;
  let status = details.run.status;
  let stepsSeen = 0;
  let pendingFailure: TraceStepView | null = null;
  const openStarted = new Set<string>();
  const position = (stepId: string | null): number => {
    const index = outline?.steps.findIndex((s) => s.id === stepId) ?? -1;
    return index + 1;
  };
  const finished = (step: TraceStepView, willRetry: boolean): void => {
    emit({
      type: 'step_finished',
      runId,
      stepId: step.plan_step_id ?? '?',
      skill: step.skill_name ?? '?',
      stepIndex: step.step_index,
      status: step.status,
      durationMs: step.duration_ms ?? 0,
      costCents: step.cost_cents,
      error: step.error,
      willRetry,
    });
  };
  const flushFailure = (next: TraceStepView | null): void => {
    if (pendingFailure === null) return;
    const failed = pendingFailure;
    pendingFailure = null;
    const retried =
      next !== null &&
      next.plan_step_id === failed.plan_step_id &&
      next.attempt === failed.attempt &&
      next.retry_count === failed.retry_count + 1;
    finished(failed, retried);
  };
  const announceAttempt = (attempt: number): void => {
    if (attempt <= announcedAttempt) return;
    announcedAttempt = attempt;
    emit({ type: 'attempt_started', runId, attempt, maxAttempts: details.run.max_attempts });
  };
  const onStep = (step: TraceStepView): void => {
    flushFailure(step);
    announceAttempt(step.attempt);
    stepsSeen += 1;
    const key = `${step.attempt}:${step.plan_step_id}:${step.retry_count}`;
    const total = outline?.steps.length ?? 0;
    const started = (): void =>
      emit({
        type: 'step_started',
        runId,
        stepId: step.plan_step_id ?? '?',
        skill: step.skill_name ?? '?',
        attempt: step.retry_count + 1,
        position: position(step.plan_step_id),
        total,
      });
    if (step.status === 'started') {
      openStarted.add(key);
      started();
      return;
    }
    if (!openStarted.delete(key)) started();
    if (step.status === 'failure') pendingFailure = step;
    else finished(step, false);
  };
  const onStatus = async (next: { status: RunView['status']; attempts: number; error_message: string | null }) => {
    flushFailure(null);
    if (next.status === 'running') announceAttempt(next.attempts);
    if (next.status === 'retry' && status !== 'retry') {
      const { run } = await getRunDetails(http, runId);
      const nextAttemptAt = run.next_attempt_at === null ? new Date() : new Date(run.next_attempt_at);
      emit({
        type: 'retry_scheduled',
        runId,
        nextAttemptAt,
        delayMs: Math.max(0, nextAttemptAt.getTime() - Date.now()),
      });
    }
    status = next.status;
  };
  let reconnects = 0;
  for (;;) {
    options.interrupt?.throwIfAborted();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (lastStep !== null) headers['last-event-id'] = String(lastStep);
    let ended: RunView | null = null;
    try {
      const response = await http.send('GET', path, { route: EVENTS_ROUTE, headers, signal: options.interrupt });
      if (!response.ok) throw errorFromAnswer(EVENTS_ROUTE, response.status, await response.text());
      if (response.body === null) throw new AosError('API_BAD_RESPONSE', `${EVENTS_ROUTE}: the answer has no body`);
      for await (const message of readSseEvents(response.body)) {
        reconnects = 0;
        await announcePlan();
        if (message.event === 'step') {
          const step = http.parse(`${EVENTS_ROUTE} (event step)`, RunStepEventSchema, message.data);
          if (lastStep !== null && step.step_index <= lastStep) continue;
          lastStep = step.step_index;
          onStep(step);
        } else if (message.event === 'status') {
          await onStatus(http.parse(`${EVENTS_ROUTE} (event status)`, RunStatusEventSchema, message.data));
        } else if (message.event === 'end') {
          ended = http.parse(`${EVENTS_ROUTE} (event end)`, RunEndEventSchema, message.data).run;
          break;
        }
      }
    } catch (error) {
      // A dropped connection is resumed; an answer that is an error or breaks the contract is not.
      if (options.interrupt?.aborted) throw error;
      if (error instanceof AosError && error.code !== 'API_UNREACHABLE') throw error;
      if (!(error instanceof AosError) && !(error instanceof TypeError)) throw error;
      if (reconnects >= MAX_RECONNECTS) throw error;
    }
    if (ended !== null) {
      flushFailure(null);
      emit({ type: 'finished', runId, status: ended.status, error: ended.error_message });
      return { run: ended, stepsSeen };
    }
    reconnects += 1;
    if (reconnects > MAX_RECONNECTS) {
      throw new AosError(
        'API_UNREACHABLE',
        `${EVENTS_ROUTE}: the event stream of run ${runId} keeps ending before the run does`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_DELAY_MS * reconnects));
  }
}

async function getRunDetails(http: HttpClient, runId: string): Promise<RunDetailsView> {
  const { body } = await http.request({
    method: 'GET',
    path: `/v1/runs/${encodeURIComponent(runId)}`,
    route: 'GET /v1/runs/{id}',
    schema: RunDetailsViewSchema,
  });
  return body;
}
