import { computePlanHash, type SigningKey } from '@aos/proof';
import type { Kysely } from 'kysely';
import { releaseReservation, reservationOverrun, reserveBudget } from '../budget/budget-guard';
import type { Database, JsonValue, Run, RunStatus } from '../db/schema';
import { AosError, isAosError } from '../errors';
import { generatePlanForRun } from '../planner/generate-plan';
import { PlanSchema, type Plan, type PlanStep } from '../planner/plan-schema';
import { resolveTemplates } from '../planner/plan-templates';
import { resolveParamSecrets } from '../secrets/secret-store';
import { redactOutcome, redactSecrets, type ResolvedSecrets } from '../skills/redact-secrets';
import type { SkillRegistry } from '../skills/skill-registry';
import { SkillError, type AnySkill, type SkillEnv, type SkillResult } from '../skills/skill-types';
import type { RunEventListener } from './run-events';
import { inlineRetryWaitMs, runRetryDelaySeconds, stepRetryDelayMs } from './run-backoff';
import {
  appendTraceStep,
  claimAttempt,
  finishAndSealRun,
  LEASE_RENEW_MS,
  readChainHead,
  renewLease,
  type ChainHead,
  type TraceRef,
} from './trace-writer';

/** What executing a run needs besides the database. */
export interface RunnerDeps {
  readonly registry: SkillRegistry;
  readonly env: SkillEnv;
  readonly signingKey: SigningKey;
  readonly onEvent?: RunEventListener | undefined;
  /** Pause between attempts of one step; defaults to {@link stepRetryDelayMs}. */
  readonly stepRetryDelayMs?: ((attempt: number) => number) | undefined;
  /**
   * Called after a run's trace is sealed: the inline sequencer of local mode integrates it into
   * the tenant log, the server's wakes its background sequencer. A failure here leaves the
   * sealed run queued for the log (the next drain takes it); it never changes the run.
   */
  readonly afterSeal?: ((db: Kysely<Database>, tenantId: string) => Promise<unknown>) | undefined;
  /**
   * Service mode (SPEC §14): adds the job of a run's next attempt, in the transaction `db` is in
   * — the one that sets the run to `retry` — so a retry is never left without its job.
   */
  readonly enqueue?: ((db: Kysely<Database>, runId: string, runAt: Date | null) => Promise<void>) | undefined;
  /**
   * A worker's shutdown: once aborted, the attempt executes no further plan step. It ends after
   * the step in progress with the run `retry` now and its lease released, for the next worker.
   */
  readonly signal?: AbortSignal | undefined;
  /**
   * Set by a driver that makes a run's next attempt itself instead of leaving it to a worker
   * (the customer CLI): it waits at most this long, so `retry_scheduled` reports that wait.
   */
  readonly inlineRetryCapMs?: number | undefined;
  /**
   * The user stopped the run (Ctrl-C of the customer CLI): once aborted, no further plan step
   * starts and no retry is waited for — the step in progress finishes (its outcome is recorded),
   * then the run ends `halted` with {@link INTERRUPTED_BY_USER} and its trace is sealed.
   */
  readonly interrupt?: AbortSignal | undefined;
}

/** The error of a run its user interrupted ({@link RunnerDeps.interrupt}). */
export const INTERRUPTED_BY_USER = 'interrupted by the user';

/** A run after an attempt: its row and how many trace steps the attempt appended. */
export interface AttemptOutcome {
  readonly run: Run;
  readonly stepsAppended: number;
}

type StepFailure = { readonly stepId: string; readonly message: string; readonly retryable: boolean };

function emit(deps: RunnerDeps, event: Parameters<RunEventListener>[0]): void {
  try {
    deps.onEvent?.(event);
  } catch {
    // A listener's failure must not change what the run does.
  }
}

/**
 * Plans a run unless it already has a plan: the plan is validated and
 * stored in `plan_json` with `plan_hash` before any step runs. A planning failure marks the
 * run `failed` with `plan_generation_failed: <reason>` and creates no trace.
 * Returns the plan, or null when planning failed.
 */
export async function planRun(
  db: Kysely<Database>,
  runId: string,
  deps: RunnerDeps,
): Promise<{ plan: Plan; planHash: string } | null> {
  const prepared = await preparePlan(db, runId, deps);
  if (prepared?.unsaved) await storePlan(db, runId, prepared);
  return prepared;
}

async function storePlan(
  db: Kysely<Database>,
  runId: string,
  planned: { plan: Plan; planHash: string },
): Promise<void> {
  await db
    .updateTable('runs')
    .set({ plan_json: JSON.stringify(planned.plan), plan_hash: planned.planHash })
    .where('id', '=', runId)
    .where('plan_json', 'is', null)
    .execute();
}

/** The run's stored plan, or a new one (`unsaved`) — null when planning failed and the run was failed. */
async function preparePlan(
  db: Kysely<Database>,
  runId: string,
  deps: RunnerDeps,
): Promise<{ plan: Plan; planHash: string; unsaved: boolean; tenantId: string; stored?: JsonValue } | null> {
  const run = await db
    .selectFrom('runs')
    .innerJoin('agents', 'agents.id', 'runs.agent_id')
    .select([
      'runs.tenant_id',
      'runs.goal',
      'runs.plan_json',
      'runs.plan_hash',
      'agents.id as agent_id',
      'agents.name as agent_name',
      'agents.description as agent_description',
    ])
    .where('runs.id', '=', runId)
    .executeTakeFirst();
  if (!run) throw new AosError('RUN_NOT_FOUND', `run ${runId} not found`);
  if (run.plan_json !== null && run.plan_hash !== null) {
    // The runner executes exactly the stored plan, and only while it still matches its hash.
    if (computePlanHash(run.plan_json) !== run.plan_hash) {
      throw new AosError(
        'INTEGRITY_VIOLATION',
        `run ${runId}: the stored plan does not match its plan_hash; refusing to execute it`,
      );
    }
    return {
      plan: PlanSchema.parse(run.plan_json),
      planHash: run.plan_hash,
      unsaved: false,
      tenantId: run.tenant_id,
      stored: run.plan_json,
    };
  }
  const agent = { id: run.agent_id, name: run.agent_name, description: run.agent_description };
  let planned: { plan: Plan; planHash: string };
  try {
    planned = await generatePlanForRun({
      tenantId: run.tenant_id,
      agent,
      goal: run.goal,
      registry: deps.registry,
      env: deps.env,
    });
  } catch (error) {
    if (!isAosError(error)) throw error;
    const reason = error.message.replace(/^plan_generation_failed:\s*/, '');
    await db
      .updateTable('runs')
      .set({ status: 'failed', error_message: `plan_generation_failed: ${reason}`, completed_at: new Date() })
      .where('id', '=', runId)
      .where('status', 'in', ['queued', 'retry'])
      .execute();
    emit(deps, { type: 'finished', runId, status: 'failed', error: `plan_generation_failed: ${reason}` });
    return null;
  }
  emit(deps, {
    type: 'planned',
    runId,
    planHash: planned.planHash,
    stepCount: planned.plan.steps.length,
    planner: planned.plan.planner,
  });
  return { ...planned, unsaved: true, tenantId: run.tenant_id };
}

/**
 * Executes one attempt of a `queued` or `retry` run: plans it if needed,
 * marks it running, appends one trace step per executed attempt of each plan step, and
 * finishes it `succeeded`, `failed`, `halted` (trace completed and sealed), or `retry`
 * with `next_attempt_at` when a retryable failure leaves attempts (trace stays open for
 * the next attempt). Steps that succeeded in an earlier attempt are not executed again.
 *
 * @example
 * ```ts
 * const { run } = await executeRunAttempt(db, runId, { registry, env, signingKey })
 * console.log(run.status)
 * ```
 */
export async function executeRunAttempt(
  db: Kysely<Database>,
  runId: string,
  deps: RunnerDeps,
): Promise<AttemptOutcome> {
  const planned = await preparePlan(db, runId, deps);
  if (!planned) return { run: await loadRun(db, runId), stepsAppended: 0 };
  const claim = await claimAttempt(db, {
    runId,
    tenantId: planned.tenantId,
    // The trace records the plan exactly as stored (the hash is of those bytes), not as parsed.
    plan: planned.stored ?? planned.plan,
    planHash: planned.planHash,
    storePlan: planned.unsaved,
  });
  if (!claim) {
    const run = await loadRun(db, runId);
    throw new AosError('INVALID_INPUT', `run ${runId} is ${run.status}; only queued or retry runs can be executed`);
  }
  const { run: claimed, trace, created } = claim;
  // The lease is renewed while the attempt works; a renewal that finds the run taken over (or
  // finished) ends the renewals, and the database refuses this attempt's next step.
  const renewal = setInterval(() => {
    renewLease(db, runId, claimed.lease_epoch)
      .then((held) => {
        if (!held) clearInterval(renewal);
      })
      .catch(() => undefined);
  }, LEASE_RENEW_MS);
  renewal.unref();
  try {
    return await executeClaimed(db, deps, planned, claimed, trace, created);
  } finally {
    clearInterval(renewal);
  }
}

/** The body of an attempt once its run is claimed. */
async function executeClaimed(
  db: Kysely<Database>,
  deps: RunnerDeps,
  planned: NonNullable<Awaited<ReturnType<typeof preparePlan>>>,
  claimed: Run,
  trace: TraceRef,
  created: boolean,
): Promise<AttemptOutcome> {
  const runId = claimed.id;
  emit(deps, { type: 'attempt_started', runId, attempt: claimed.attempts, maxAttempts: claimed.max_attempts });
  // A trace created by this attempt has no steps yet: nothing to read back.
  let head: ChainHead = created ? { nextIndex: 0, prevHash: trace.genesis_hash } : await readChainHead(db, trace);
  const firstIndex = head.nextIndex;
  const outputs = created ? new Map<string, JsonValue>() : await previousOutputs(db, trace.trace_id);
  const steps = planned.plan.steps;

  let failure: StepFailure | null = null;
  let halt: string | null = null;
  for (const [position, step] of steps.entries()) {
    if (outputs.has(step.step_id)) continue;
    if (deps.interrupt?.aborted) {
      halt = INTERRUPTED_BY_USER;
      break;
    }
    if (deps.signal?.aborted) {
      const run = await releaseAttempt(db, deps, claimed, step.step_id);
      return { run, stepsAppended: head.nextIndex - firstIndex };
    }
    const result = await executePlanStep(db, deps, {
      run: claimed,
      trace,
      head,
      step,
      outputs,
      position,
      total: steps.length,
    });
    head = result.head;
    if (result.halt) {
      halt = result.halt;
      break;
    }
    if (result.failure && step.on_error === 'abort') {
      failure = result.failure;
      break;
    }
  }

  const status: RunStatus = halt
    ? 'halted'
    : failure
      ? failure.retryable && claimed.attempts < claimed.max_attempts
        ? 'retry'
        : 'failed'
      : 'succeeded';
  const error = halt ?? (failure ? `step_failed:${failure.stepId}:${failure.message}` : null);
  const run = await finishAttempt(db, deps, claimed, trace.trace_id, status, error);
  return { run, stepsAppended: head.nextIndex - firstIndex };
}

async function loadRun(db: Kysely<Database>, runId: string): Promise<Run> {
  return db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
}

// Outputs of plan steps that already succeeded in an earlier attempt of this run.
async function previousOutputs(db: Kysely<Database>, traceId: string): Promise<Map<string, JsonValue>> {
  const rows = await db
    .selectFrom('aos_trace_steps')
    .select(['plan_step_id', 'outcome_data'])
    .where('trace_id', '=', traceId)
    .where('status', '=', 'success')
    .orderBy('step_index', 'asc')
    .execute();
  return new Map(rows.filter((r) => r.plan_step_id !== null).map((r) => [r.plan_step_id!, r.outcome_data]));
}

interface StepContext {
  readonly run: Run;
  readonly trace: { trace_id: string; run_id: string; tenant_id: string; agent_id: string | null };
  readonly head: ChainHead;
  readonly step: PlanStep;
  readonly outputs: Map<string, JsonValue>;
  readonly position: number;
  readonly total: number;
}

interface StepOutcome {
  readonly head: ChainHead;
  readonly failure: StepFailure | null;
  readonly halt: string | null;
}

async function executePlanStep(db: Kysely<Database>, deps: RunnerDeps, ctx: StepContext): Promise<StepOutcome> {
  const { run, step } = ctx;
  let head = ctx.head;
  const skill = deps.registry.get(step.skill);
  let lastFailure: StepFailure | null = null;
  for (let attempt = 1; attempt <= step.retry_count; attempt += 1) {
    emit(deps, {
      type: 'step_started',
      runId: run.id,
      stepId: step.step_id,
      skill: step.skill,
      attempt,
      position: ctx.position + 1,
      total: ctx.total,
    });
    const startedAt = new Date();
    const startedHr = performance.now();
    let params: unknown = step.params;
    let outcome: { ok: true; result: SkillResult } | { ok: false; error: SkillError };
    let reservationId: number | null = null;
    let reservedCents: number | null = null;
    // Secret values live only here and in the skill's input: everything recorded is redacted.
    let secrets: ResolvedSecrets = new Map();
    // What the `started` row and the outcome row of this attempt share (params as they were
    // resolved, redacted).
    const stepFacts = () => ({
      leaseEpoch: run.lease_epoch,
      attempt: run.attempts,
      planStepId: step.step_id,
      skillName: step.skill,
      skillVersion: skill?.version ?? 'unknown',
      params: redactSecrets(params, secrets),
      outcomeCategory: null,
      outcomeCode: null,
      outcomeData: null,
      error: null,
      retryCount: attempt - 1,
      replayBehavior: 'execute' as const,
      startedAt,
    });
    try {
      if (!skill)
        throw new SkillError('validation', `skill ${step.skill} is not registered`, {
          retryable: false,
          outcomeCode: 'SKILL_NOT_FOUND',
        });
      secrets = await resolveParamSecrets(db, run.tenant_id, step.params, { env: deps.env });
      params = resolveTemplates(step.params, ctx.outputs, secrets);
      const input = parseSkillInput(skill, params);
      const estimate = skill.estimateCostCents(input, deps.env);
      const decision = await reserveBudget(db, {
        tenantId: run.tenant_id,
        runId: run.id,
        agentId: run.agent_id,
        estimateCents: estimate,
      });
      if (!decision.allowed) return { head, failure: null, halt: decision.message };
      ({ reservationId, reservedCents } = decision);
      if (skill.sideEffects) {
        // Commit before act: the intent is durable before the world is touched, so a crash
        // during the call leaves a `started` row that recovery reports as an unknown outcome.
        const intent = {
          ...stepFacts(),
          status: 'started' as const,
          costCents: 0,
          durationMs: null,
          completedAt: null,
        };
        head = (
          await appendTraceStep(db, ctx.trace, head, intent, deps.signingKey).catch(async (error: unknown) => {
            await releaseReservation(db, run.tenant_id, reservationId);
            throw error;
          })
        ).head;
      }
      outcome = {
        ok: true,
        result: await runWithTimeout(
          db,
          skill,
          input,
          deps,
          ctx,
          attempt,
          step.timeout_ms ?? skill.defaultTimeoutMs,
          reservedCents,
        ),
      };
    } catch (error) {
      outcome = { ok: false, error: asSkillError(error) };
    }
    outcome = redactOutcome(outcome, secrets);
    const durationMs = performance.now() - startedHr;
    const completedAt = new Date(Math.max(startedAt.getTime(), Date.now()));
    const willRetry = !outcome.ok && outcome.error.retryable && attempt < step.retry_count;
    const appended = await appendTraceStep(
      db,
      ctx.trace,
      head,
      {
        ...stepFacts(),
        status: outcome.ok ? 'success' : 'failure',
        outcomeCategory: outcome.ok ? 'success' : outcome.error.category,
        outcomeCode: outcome.ok ? outcome.result.outcomeCode : outcome.error.outcomeCode,
        outcomeData: outcome.ok ? outcome.result.output : (outcome.error.output ?? null),
        error: outcome.ok ? null : outcome.error.message,
        costCents: outcome.ok ? outcome.result.costCents : outcome.error.costCents,
        durationMs,
        completedAt,
        tokens: outcome.ok ? outcome.result.tokens : undefined,
        model: outcome.ok ? outcome.result.model : undefined,
        reservationId,
      },
      deps.signingKey,
    ).catch(async (error: unknown) => {
      await releaseReservation(db, run.tenant_id, reservationId);
      throw error;
    });
    emit(deps, {
      type: 'step_finished',
      runId: run.id,
      stepId: step.step_id,
      skill: step.skill,
      stepIndex: head.nextIndex,
      status: outcome.ok ? 'success' : 'failure',
      durationMs,
      costCents: outcome.ok ? outcome.result.costCents : outcome.error.costCents,
      error: outcome.ok ? null : outcome.error.message,
      willRetry,
    });
    for (const message of appended.alerts) emit(deps, { type: 'budget_alert', runId: run.id, message });
    head = appended.head;
    const overrun = reservationOverrun(
      step.skill,
      reservedCents,
      outcome.ok ? outcome.result.costCents : outcome.error.costCents,
    );
    if (overrun) return { head, failure: null, halt: overrun };
    if (outcome.ok) {
      ctx.outputs.set(step.step_id, outcome.result.output);
      return { head, failure: null, halt: null };
    }
    lastFailure = { stepId: step.step_id, message: outcome.error.message, retryable: outcome.error.retryable };
    if (!willRetry) break;
    await sleep((deps.stepRetryDelayMs ?? stepRetryDelayMs)(attempt), deps.interrupt);
    if (deps.interrupt?.aborted) return { head, failure: null, halt: INTERRUPTED_BY_USER };
  }
  return { head, failure: lastFailure, halt: null };
}

function parseSkillInput(skill: AnySkill, params: unknown): unknown {
  const parsed = skill.inputSchema.safeParse(params);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue?.path.length ? `params.${issue.path.join('.')}` : 'params';
  throw new SkillError('validation', `invalid input for ${skill.name}: ${path}: ${issue?.message ?? 'invalid'}`, {
    retryable: false,
    outcomeCode: 'INVALID_INPUT',
  });
}

async function runWithTimeout(
  db: Kysely<Database>,
  skill: AnySkill,
  input: unknown,
  deps: RunnerDeps,
  ctx: StepContext,
  attempt: number,
  timeoutMs: number,
  reservedCents: number | null,
): Promise<SkillResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new SkillError('timeout', `${skill.name} timed out after ${timeoutMs} ms`, {
          retryable: true,
          outcomeCode: 'TIMEOUT',
        }),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([
      skill.execute(input, {
        tenantId: ctx.run.tenant_id,
        runId: ctx.run.id,
        agentId: ctx.run.agent_id,
        attempt,
        db,
        env: deps.env,
        signal: controller.signal,
        timeoutMs,
        reservedCents: reservedCents ?? undefined,
      }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function asSkillError(error: unknown): SkillError {
  if (error instanceof SkillError) return error;
  if (isAosError(error))
    return new SkillError('validation', error.message, { retryable: false, outcomeCode: error.code, cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new SkillError('backend', message, { retryable: false, outcomeCode: 'ERROR', cause: error });
}

/** Resolves after `ms`, or as soon as `signal` is aborted. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

async function finishAttempt(
  db: Kysely<Database>,
  deps: RunnerDeps,
  run: Run,
  traceId: string,
  status: RunStatus,
  error: string | null,
): Promise<Run> {
  if (status === 'retry') {
    // The stored next_attempt_at is a worker's schedule; an inline driver comes back sooner, and
    // the event says when the next attempt really is.
    const now = Date.now();
    const scheduled = new Date(now + runRetryDelaySeconds(run.attempts) * 1000);
    const delayMs =
      deps.inlineRetryCapMs === undefined
        ? scheduled.getTime() - now
        : inlineRetryWaitMs(run.attempts, deps.inlineRetryCapMs);
    emit(deps, { type: 'retry_scheduled', runId: run.id, nextAttemptAt: new Date(now + delayMs), delayMs });
    const retrying = await setRetry(db, deps, run, error, scheduled);
    emit(deps, { type: 'finished', runId: run.id, status, error });
    return retrying;
  }
  const runStatus = status as Exclude<RunStatus, 'queued' | 'running' | 'retry'>;
  const traceStatus = status === 'succeeded' ? 'completed' : status === 'halted' ? 'aborted' : 'failed';
  const finished = await finishAndSealRun(db, {
    runId: run.id,
    traceId,
    signingKey: deps.signingKey,
    leaseEpoch: run.lease_epoch,
    finish: {
      runStatus,
      errorMessage: error,
      traceStatus,
      metadata: { run_status: status, attempts: run.attempts, error },
    },
  });
  if (!finished) {
    throw new AosError('INVALID_INPUT', `run ${run.id} was taken over or finished by someone else during its attempt`);
  }
  if (finished.integrityFailure === null && deps.afterSeal) {
    // The seal is committed and queued for the log in its transaction; sequencing it is retried
    // by any later drain, so a failure here must not turn a finished run into an error.
    await deps.afterSeal(db, run.tenant_id).catch((error: unknown) => {
      emit(deps, {
        type: 'log_deferred',
        runId: run.id,
        reason: error instanceof Error ? error.message : String(error),
      });
    });
  }
  emit(deps, {
    type: 'finished',
    runId: run.id,
    status: finished.run.status,
    error: finished.run.error_message,
  });
  return finished.run;
}

/**
 * Sets a running run to `retry` at `nextAttemptAt` with its lease released — only while this
 * attempt still holds the lease — and, in service mode, adds its next job in the same transaction.
 */
async function setRetry(
  db: Kysely<Database>,
  deps: RunnerDeps,
  run: Run,
  error: string | null,
  nextAttemptAt: Date,
): Promise<Run> {
  const update = async (trx: Kysely<Database>): Promise<Run> => {
    const retrying = await trx
      .updateTable('runs')
      .set({
        status: 'retry',
        error_message: error,
        next_attempt_at: nextAttemptAt,
        lease_owner: null,
        lease_expires_at: null,
      })
      .where('id', '=', run.id)
      .where('status', '=', 'running')
      .where('lease_epoch', '=', run.lease_epoch)
      .returningAll()
      .executeTakeFirst();
    if (!retrying) {
      throw new AosError(
        'INVALID_INPUT',
        `run ${run.id} was taken over or finished by someone else during its attempt`,
      );
    }
    await deps.enqueue?.(trx, run.id, nextAttemptAt);
    return retrying;
  };
  return deps.enqueue ? db.transaction().execute(update) : update(db);
}

/**
 * A worker shutting down (SPEC §14): the attempt stops before `nextStepId`, and the run goes
 * back to `retry` now with its lease released, so the next worker continues with the steps left.
 */
async function releaseAttempt(db: Kysely<Database>, deps: RunnerDeps, run: Run, nextStepId: string): Promise<Run> {
  const error = `worker_shutdown: attempt ${run.attempts} stopped before step ${nextStepId}; the next attempt continues`;
  const released = await setRetry(db, deps, run, error, new Date());
  emit(deps, { type: 'finished', runId: run.id, status: 'retry', error });
  return released;
}
