import { computeGenesisHash, extendChain, sealChain, toStepEnvelope, type SigningKey } from '@aos/proof';
import type { Kysely, Transaction } from 'kysely';
import type { Database, JsonValue, NewTraceStep, ReplayBehavior, StepStatus, Trace, TraceStatus } from '../db/schema';
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

/**
 * Returns the run's trace, creating it (status running, genesis hash from the plan hash)
 * on the first attempt.
 */
export async function ensureTrace(
  db: Kysely<Database>,
  run: { id: string; tenant_id: string; agent_id: string; attempts: number },
  plan: JsonValue,
  planHash: string,
): Promise<{ trace: Trace; created: boolean }> {
  const traceId = traceIdOf(run.id);
  // Only a later attempt can find a trace already there; the first goes straight to the insert.
  if (run.attempts > 1) {
    const existing = await db.selectFrom('aos_traces').selectAll().where('trace_id', '=', traceId).executeTakeFirst();
    if (existing) return { trace: existing, created: false };
  }
  const genesis = computeGenesisHash({
    plan_hash: planHash,
    run_id: run.id,
    tenant_id: run.tenant_id,
    trace_id: traceId,
  });
  const created = await db
    .insertInto('aos_traces')
    .values({
      trace_id: traceId,
      run_id: run.id,
      tenant_id: run.tenant_id,
      agent_id: run.agent_id,
      plan: JSON.stringify(plan),
      plan_hash: planHash,
      schema_version: 'aos.trace.v2',
      started_at: new Date(),
      genesis_hash: genesis,
      root_hash: null,
      merkle_root: null,
      chain_length: null,
      checkpoint: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { trace: created, created: true };
}

/** Index and chain head after the steps already in the trace. */
export async function readChainHead(db: Kysely<Database>, trace: Trace): Promise<ChainHead> {
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
