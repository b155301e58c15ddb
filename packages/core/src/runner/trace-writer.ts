import {
  computeGenesisHash,
  extendChain,
  sealRunTrace,
  toStepEnvelope,
  TRACE_FORMAT,
  type RunSeal,
  type SigningKey,
} from '@aos/proof';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  Database,
  JsonValue,
  NewTraceStep,
  ReplayBehavior,
  Run,
  RunStatus,
  StepStatus,
  Trace,
  TraceStatus,
  TraceStep,
} from '../db/schema';
import { recordCostEvent } from '../budget/budget-guard';
import { toStorableJson } from './json-sanitize';
import { computeStepMac, stepKeyOf } from './step-auth';

/** Where the next step of a trace goes: its index and the hash it chains to. */
export interface ChainHead {
  readonly nextIndex: number;
  readonly prevHash: string;
}

/** How long a claim holds a run without renewal (SPEC §14: 30 s, renewed every 10 s). */
export const LEASE_SECONDS = 30;
/** How often the executing process renews its lease. */
export const LEASE_RENEW_MS = 10_000;
/** This process as a lease owner: host, pid and a random tag (a pid can be reused). */
export const LEASE_OWNER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/**
 * Extends the lease of the attempt that holds epoch `epoch`; false when the run is no longer
 * running under that epoch (finished, or taken over: the holder must stop).
 */
export async function renewLease(db: Kysely<Database>, runId: string, epoch: number): Promise<boolean> {
  const renewed = await db
    .updateTable('runs')
    .set({ lease_expires_at: sql<Date>`now() + make_interval(secs => ${LEASE_SECONDS})` })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .where('lease_epoch', '=', epoch)
    .executeTakeFirst();
  return renewed.numUpdatedRows > 0n;
}

/** Id of the trace of a run. */
export function traceIdOf(runId: string): string {
  return `trace_${runId}`;
}

/** The trace fields the runner needs while it appends steps. */
export type TraceRef = Pick<Trace, 'trace_id' | 'run_id' | 'tenant_id' | 'agent_id' | 'genesis_hash'>;

/**
 * Claims a `queued` or `retry` run for one attempt (status running, attempts + 1, a new plan
 * stored with it) and creates its trace on the first attempt — one statement. Returns null
 * when the run was not claimable.
 */
export async function claimAttempt(
  db: Kysely<Database>,
  input: { runId: string; tenantId: string; plan: unknown; planHash: string; storePlan: boolean },
): Promise<{ run: Run; trace: TraceRef; created: boolean } | null> {
  const traceId = traceIdOf(input.runId);
  const genesis = computeGenesisHash({
    plan_hash: input.planHash,
    run_id: input.runId,
    tenant_id: input.tenantId,
    trace_id: traceId,
  });
  const planJson = JSON.stringify(input.plan);
  const result = await sql<Run & { trace_created: boolean }>`
    WITH claimed AS (
      UPDATE runs
      SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, now()),
          next_attempt_at = NULL, error_message = NULL,
          lease_owner = ${LEASE_OWNER}, lease_epoch = lease_epoch + 1,
          lease_expires_at = now() + make_interval(secs => ${LEASE_SECONDS}),
          plan_json = COALESCE(plan_json, ${input.storePlan ? planJson : null}::jsonb),
          plan_hash = COALESCE(plan_hash, ${input.storePlan ? input.planHash : null})
      WHERE id = ${input.runId} AND status IN ('queued', 'retry')
      RETURNING *
    ), created AS (
      INSERT INTO aos_traces (trace_id, run_id, tenant_id, agent_id, plan, plan_hash, schema_version, started_at, genesis_hash)
      SELECT ${traceId}, id, tenant_id, agent_id, ${planJson}::jsonb, ${input.planHash}, ${TRACE_FORMAT}, ${new Date()}, ${genesis}
      FROM claimed
      ON CONFLICT (trace_id) DO NOTHING
      RETURNING trace_id
    )
    SELECT claimed.*, EXISTS (SELECT 1 FROM created) AS trace_created FROM claimed`.execute(db);
  const row = result.rows[0];
  if (!row) return null;
  const { trace_created: created, ...run } = row;
  if (created) {
    return {
      run,
      created,
      trace: {
        trace_id: traceId,
        run_id: run.id,
        tenant_id: run.tenant_id,
        agent_id: run.agent_id,
        genesis_hash: genesis,
      },
    };
  }
  const trace = await db
    .selectFrom('aos_traces')
    .select(['trace_id', 'run_id', 'tenant_id', 'agent_id', 'genesis_hash'])
    .where('trace_id', '=', traceId)
    .executeTakeFirstOrThrow();
  return { run, created, trace };
}

/** Index and chain head after the steps already in the trace. */
export async function readChainHead(db: Kysely<Database>, trace: TraceRef): Promise<ChainHead> {
  const last = await db
    .selectFrom('aos_trace_steps')
    .select(['step_index', 'step_hash'])
    .where('trace_id', '=', trace.trace_id)
    .orderBy('step_index', 'desc')
    .limit(1)
    .executeTakeFirst();
  return last
    ? { nextIndex: last.step_index + 1, prevHash: last.step_hash }
    : { nextIndex: 0, prevHash: trace.genesis_hash };
}

/** The stored fields of one executed attempt, before hashing. */
export interface StepRecord {
  readonly attempt: number;
  readonly planStepId: string;
  readonly skillName: string;
  readonly skillVersion: string;
  readonly params: unknown;
  readonly status: StepStatus;
  readonly outcomeCategory: string | null;
  readonly outcomeCode: string | null;
  readonly outcomeData: unknown;
  readonly error: string | null;
  readonly costCents: number;
  readonly durationMs: number | null;
  readonly retryCount: number;
  readonly replayBehavior: ReplayBehavior;
  readonly startedAt: Date;
  readonly completedAt: Date | null;
  readonly tokens?: number | undefined;
  readonly model?: string | undefined;
  readonly reservationId?: number | null | undefined;
  /** The lease epoch of the attempt writing the step (the database refuses any other). */
  readonly leaseEpoch?: number | undefined;
}

/**
 * Appends one trace step with its hashes and its cost event in one transaction.
 * Hashes are computed from the values exactly as the database returns them: JSON goes
 * through the jsonb round trip first, timestamps are millisecond Dates.
 */
export async function appendTraceStep(
  db: Kysely<Database>,
  trace: Pick<Trace, 'trace_id' | 'run_id' | 'tenant_id' | 'agent_id'>,
  head: ChainHead,
  record: StepRecord,
  signingKey: SigningKey,
): Promise<{ head: ChainHead; alerts: string[]; leafHash: string }> {
  const params = record.params === undefined ? null : toStorableJson(record.params);
  const outcomeData = record.outcomeData === undefined ? null : toStorableJson(record.outcomeData);
  const row = {
    trace_id: trace.trace_id,
    step_index: head.nextIndex,
    run_id: trace.run_id,
    tenant_id: trace.tenant_id,
    attempt: record.attempt,
    lease_epoch: record.leaseEpoch ?? 0,
    plan_step_id: record.planStepId,
    skill_id: `${record.skillName}@${record.skillVersion}`,
    skill_name: record.skillName,
    skill_version: record.skillVersion,
    params,
    status: record.status,
    outcome_category: record.outcomeCategory,
    outcome_code: record.outcomeCode,
    outcome_data: outcomeData,
    error: record.error,
    cost_cents: record.costCents,
    duration_ms: record.durationMs,
    retry_count: record.retryCount,
    replay_behavior: record.replayBehavior,
    started_at: record.startedAt,
    completed_at: record.completedAt,
  };
  const link = extendChain(head.prevHash, toStepEnvelope(row));
  const insert: NewTraceStep = {
    ...row,
    params: params === null ? null : JSON.stringify(params),
    outcome_data: outcomeData === null ? null : JSON.stringify(outcomeData),
    ...link,
    step_mac: computeStepMac(stepKeyOf(signingKey), trace.trace_id, head.nextIndex, link.step_hash),
  };
  const next = { nextIndex: head.nextIndex + 1, prevHash: link.step_hash };
  if (record.costCents === 0 && record.reservationId == null) {
    // Nothing to lock or alert on: the step and its cost event go in one statement (one
    // implicit transaction, one round trip).
    await db
      .with('appended', (qb) => qb.insertInto('aos_trace_steps').values(insert).returning(['step_index']))
      .insertInto('cost_events')
      .columns(['tenant_id', 'run_id', 'agent_id', 'skill', 'trace_id', 'step_index', 'cost_cents', 'tokens', 'model'])
      .expression((eb) =>
        eb
          .selectFrom('appended')
          .select([
            eb.val(trace.tenant_id).as('tenant_id'),
            eb.val(trace.run_id).as('run_id'),
            eb.val(trace.agent_id).as('agent_id'),
            eb.val(record.skillName).as('skill'),
            eb.val(trace.trace_id).as('trace_id'),
            'appended.step_index',
            eb.val(0).as('cost_cents'),
            eb.val(record.tokens ?? null).as('tokens'),
            eb.val(record.model ?? null).as('model'),
          ]),
      )
      .execute();
    return { head: next, alerts: [], leafHash: link.leaf_hash };
  }
  const alerts = await db.transaction().execute(async (trx: Transaction<Database>) => {
    await trx.insertInto('aos_trace_steps').values(insert).execute();
    const cost = await recordCostEvent(trx, {
      tenantId: trace.tenant_id,
      runId: trace.run_id,
      agentId: trace.agent_id,
      skill: record.skillName,
      traceId: trace.trace_id,
      stepIndex: head.nextIndex,
      costCents: record.costCents,
      tokens: record.tokens ?? null,
      model: record.model ?? null,
      reservationId: record.reservationId ?? null,
    });
    return cost.alerts;
  });
  return { head: next, alerts, leafHash: link.leaf_hash };
}

/** How a run ends: the values written with its seal (and signed in its outcome leaf). */
export interface RunFinish {
  readonly runStatus: Exclude<RunStatus, 'queued' | 'running' | 'retry'>;
  readonly errorMessage: string | null;
  readonly traceStatus: Exclude<TraceStatus, 'running'>;
  readonly metadata: { [key: string]: JsonValue };
}

/** Why sealing refused a trace: the step at fault (or `null` for the run's own record) and the reason. */
export interface IntegrityFailure {
  readonly step: number | null;
  readonly reason: string;
}

/**
 * Finishes a running run and seals its trace, in one transaction, checking before it signs:
 * the run and trace rows are locked, every stored step is read back and authenticated (its
 * `step_mac`), and the header, every leaf, the chain, the plan order and the outcome are
 * recomputed from the stored rows (the same checks every verifier makes). Then the trace is
 * completed and sealed and the run gets its final status, error and completion time — the
 * values the outcome leaf signs. When a check fails nothing is signed: the trace is completed
 * unsealed with the failure in its metadata, the run ends `failed` with
 * `trace_integrity:<step>: <reason>`, and a critical alert is recorded. Returns the run row,
 * or null when the run was not running with an open trace (someone else finished it) or, given
 * `leaseEpoch`, when another attempt holds the run's lease now.
 */
export async function finishAndSealRun(
  db: Kysely<Database>,
  input: {
    runId: string;
    traceId: string;
    finish: RunFinish;
    signingKey: SigningKey;
    now?: Date;
    /** The lease epoch of the attempt that finishes: when the run's epoch moved on, nothing is done (null returned). */
    leaseEpoch?: number;
  },
): Promise<{ run: Run; integrityFailure: IntegrityFailure | null } | null> {
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx: Transaction<Database>) => {
    const run = await trx.selectFrom('runs').selectAll().where('id', '=', input.runId).forUpdate().executeTakeFirst();
    const trace = await trx
      .selectFrom('aos_traces')
      .selectAll()
      .where('trace_id', '=', input.traceId)
      .forUpdate()
      .executeTakeFirst();
    if (!run || !trace || run.status !== 'running' || trace.status !== 'running' || trace.sealed_at !== null) {
      return null;
    }
    // Fencing covers the finish too: an attempt whose lease was taken over seals nothing.
    if (input.leaseEpoch !== undefined && run.lease_epoch !== input.leaseEpoch) return null;
    const steps = await trx
      .selectFrom('aos_trace_steps')
      .selectAll()
      .where('trace_id', '=', input.traceId)
      .orderBy('step_index', 'asc')
      .execute();
    const { finish } = input;
    const durationMs = now.getTime() - (run.started_at ?? run.created_at).getTime();
    // The run's final facts, written in the transaction of the seal (they are in its outcome leaf).
    const finishRun = (status: RunFinish['runStatus'], errorMessage: string | null): Promise<Run> =>
      trx
        .updateTable('runs')
        .set({
          status,
          error_message: errorMessage,
          completed_at: now,
          next_attempt_at: null,
          duration_ms: durationMs,
          lease_owner: null,
          lease_expires_at: null,
        })
        .where('id', '=', run.id)
        .returningAll()
        .executeTakeFirstOrThrow();
    const checked = checkAndSeal(run, trace, steps, finish, now, input.signingKey);
    if (!checked.ok) {
      const failure = checked.failure;
      const message = `trace_integrity:${failure.step ?? 'run'}: ${failure.reason}`;
      await trx
        .updateTable('aos_traces')
        .set({
          status: finish.traceStatus === 'completed' ? 'failed' : finish.traceStatus,
          completed_at: now,
          metadata: JSON.stringify({
            ...trace.metadata,
            ...finish.metadata,
            run_status: 'failed',
            error: message,
            integrity_failure: { step: failure.step, reason: failure.reason },
          }),
        })
        .where('trace_id', '=', input.traceId)
        .execute();
      await trx
        .insertInto('budget_alerts')
        .values({
          tenant_id: run.tenant_id,
          run_id: run.id,
          level: 'critical',
          period: 'run',
          message: `${message} (the trace was not signed)`,
          spend_cents: 0,
          limit_cents: 0,
        })
        .execute();
      return { run: await finishRun('failed', message), integrityFailure: failure };
    }
    const seal = checked.seal;
    await trx
      .updateTable('aos_traces')
      .set({
        status: finish.traceStatus,
        completed_at: now,
        metadata: JSON.stringify({ ...trace.metadata, ...finish.metadata }),
        root_hash: seal.root_hash,
        merkle_root: seal.merkle_root,
        chain_length: seal.chain_length,
        checkpoint: seal.checkpoint,
        sealed_at: now,
        header_envelope: JSON.stringify(seal.header_envelope),
        header_hash: seal.header_hash,
        outcome_envelope: JSON.stringify(seal.outcome_envelope),
        outcome_hash: seal.outcome_hash,
      })
      .where('trace_id', '=', input.traceId)
      .execute();
    return { run: await finishRun(finish.runStatus, finish.errorMessage), integrityFailure: null };
  });
}

/** Authenticates every stored step, then runs the sealer's checks and signs (docs/proof.md). */
function checkAndSeal(
  run: Run,
  trace: Trace,
  steps: readonly TraceStep[],
  finish: RunFinish,
  now: Date,
  signingKey: SigningKey,
): { ok: true; seal: RunSeal } | { ok: false; failure: IntegrityFailure } {
  const stepKey = stepKeyOf(signingKey);
  const records = [];
  for (const [position, row] of steps.entries()) {
    if (row.step_index !== position) {
      return { ok: false, failure: { step: position, reason: `step_index ${row.step_index} is out of place` } };
    }
    if (row.step_mac !== computeStepMac(stepKey, trace.trace_id, row.step_index, row.step_hash)) {
      return {
        ok: false,
        failure: {
          step: position,
          reason: "step_mac does not authenticate the step: it was not written by this deployment's runner",
        },
      };
    }
    let envelope;
    try {
      envelope = toStepEnvelope(row);
    } catch (error) {
      return { ok: false, failure: { step: position, reason: (error as Error).message } };
    }
    records.push({ envelope, leaf_hash: row.leaf_hash, prev_hash: row.prev_hash, step_hash: row.step_hash });
  }
  const result = sealRunTrace({
    signingKey,
    run: { ...run, status: finish.runStatus, error_message: finish.errorMessage },
    plan: trace.plan,
    trace: { ...trace, status: finish.traceStatus, completed_at: now },
    steps: records,
  });
  if (!result.ok) {
    const { step, reason } = result.failure;
    return { ok: false, failure: { step, reason: step === null ? reason : reason.replace(/^step \d+: /, '') } };
  }
  return { ok: true, seal: result.seal };
}
