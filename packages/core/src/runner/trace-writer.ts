import { computeGenesisHash, extendChain, sealChain, toStepEnvelope, type SigningKey } from '@aos/proof';
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
} from '../db/schema';
import { recordCostEvent } from '../budget/budget-guard';
import { toStorableJson } from './json-sanitize';

/** Where the next step of a trace goes: its index and the hash it chains to. */
export interface ChainHead {
  readonly nextIndex: number;
  readonly prevHash: string;
}

/** Id of the trace of a run (SPEC §3.1). */
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
          plan_json = COALESCE(plan_json, ${input.storePlan ? planJson : null}::jsonb),
          plan_hash = COALESCE(plan_hash, ${input.storePlan ? input.planHash : null})
      WHERE id = ${input.runId} AND status IN ('queued', 'retry')
      RETURNING *
    ), created AS (
      INSERT INTO aos_traces (trace_id, run_id, tenant_id, agent_id, plan, plan_hash, schema_version, started_at, genesis_hash)
      SELECT ${traceId}, id, tenant_id, agent_id, ${planJson}::jsonb, ${input.planHash}, 'aos.trace.v2', ${new Date()}, ${genesis}
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
  readonly durationMs: number;
  readonly retryCount: number;
  readonly replayBehavior: ReplayBehavior;
  readonly startedAt: Date;
  readonly completedAt: Date;
  readonly tokens?: number | undefined;
  readonly model?: string | undefined;
  readonly reservationId?: number | null | undefined;
}

/**
 * Appends one trace step with its hashes and its cost event in one transaction (SPEC §7).
 * Hashes are computed from the values exactly as the database returns them: JSON goes
 * through the jsonb round trip first, timestamps are millisecond Dates.
 */
export async function appendTraceStep(
  db: Kysely<Database>,
  trace: Pick<Trace, 'trace_id' | 'run_id' | 'tenant_id' | 'agent_id'>,
  head: ChainHead,
  record: StepRecord,
): Promise<{ head: ChainHead; alerts: string[]; leafHash: string }> {
  const params = record.params === undefined ? null : toStorableJson(record.params);
  const outcomeData = record.outcomeData === undefined ? null : toStorableJson(record.outcomeData);
  const row = {
    trace_id: trace.trace_id,
    step_index: head.nextIndex,
    run_id: trace.run_id,
    tenant_id: trace.tenant_id,
    attempt: record.attempt,
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

/**
 * Completes a running trace with a terminal status and seals it (Merkle root over every
 * stored leaf, root hash, signed checkpoint) inside the caller's transaction. A trace that
 * is already terminal but unsealed is only sealed.
 */
export async function completeAndSealTrace(
  trx: Transaction<Database>,
  traceId: string,
  status: Exclude<TraceStatus, 'running'>,
  metadata: { [key: string]: JsonValue },
  signingKey: SigningKey,
  known?: { readonly leafHashes: readonly string[]; readonly rootHash: string },
): Promise<Trace> {
  const trace = await trx
    .selectFrom('aos_traces')
    .selectAll()
    .where('trace_id', '=', traceId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  if (trace.sealed_at) return trace;
  // The caller may know every leaf (it appended them all); otherwise read them back.
  let chain = known;
  if (!chain) {
    const steps = await trx
      .selectFrom('aos_trace_steps')
      .select(['leaf_hash', 'step_hash'])
      .where('trace_id', '=', traceId)
      .orderBy('step_index', 'asc')
      .execute();
    chain = { leafHashes: steps.map((s) => s.leaf_hash), rootHash: steps.at(-1)?.step_hash ?? trace.genesis_hash };
  }
  const seal = sealChain({
    signingKey,
    tenantId: trace.tenant_id,
    runId: trace.run_id,
    leafHashes: chain.leafHashes,
    rootHash: chain.rootHash,
  });
  const now = new Date();
  // Completion and sealing in one statement (the trigger allows both together).
  const completion =
    trace.status === 'running'
      ? { status, completed_at: now, metadata: JSON.stringify({ ...trace.metadata, ...metadata }) }
      : {};
  return trx
    .updateTable('aos_traces')
    .set({ ...completion, ...seal, sealed_at: now })
    .where('trace_id', '=', traceId)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Completes and seals a trace this attempt created (every leaf known, metadata still empty)
 * and writes the run's final status, in one statement. Returns null when the trace was not
 * in that state, so the caller takes the general path.
 */
export async function finishSealedInOneStatement(
  db: Kysely<Database>,
  input: {
    run: Pick<Run, 'id' | 'tenant_id'>;
    traceId: string;
    traceStatus: Exclude<TraceStatus, 'running'>;
    metadata: { [key: string]: JsonValue };
    signingKey: SigningKey;
    known: { readonly leafHashes: readonly string[]; readonly rootHash: string };
    runUpdate: {
      status: RunStatus;
      error_message: string | null;
      completed_at: Date;
      next_attempt_at: null;
      duration_ms: number;
    };
    now: Date;
  },
): Promise<Run | null> {
  const seal = sealChain({
    signingKey: input.signingKey,
    tenantId: input.run.tenant_id,
    runId: input.run.id,
    leafHashes: input.known.leafHashes,
    rootHash: input.known.rootHash,
  });
  const u = input.runUpdate;
  const result = await sql<Run>`
    WITH sealed AS (
      UPDATE aos_traces
      SET status = ${input.traceStatus}, completed_at = ${input.now}, metadata = ${JSON.stringify(input.metadata)}::jsonb,
          root_hash = ${seal.root_hash}, merkle_root = ${seal.merkle_root}, chain_length = ${seal.chain_length},
          checkpoint = ${seal.checkpoint}, sealed_at = ${input.now}
      WHERE trace_id = ${input.traceId} AND status = 'running' AND sealed_at IS NULL AND metadata = '{}'::jsonb
      RETURNING trace_id
    )
    UPDATE runs
    SET status = ${u.status}, error_message = ${u.error_message}, completed_at = ${u.completed_at},
        next_attempt_at = NULL, duration_ms = ${u.duration_ms}
    WHERE id = ${input.run.id} AND EXISTS (SELECT 1 FROM sealed)
    RETURNING *`.execute(db);
  return result.rows[0] ?? null;
}
