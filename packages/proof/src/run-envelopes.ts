import { canonicalize } from './canonical-json';
import { ProofError } from './errors';
import { describeValue, sha256Hex } from './sha256-hash';
import { toIsoTimestamp, type TimestampInput } from './step-envelope';

/**
 * The trace format this library writes and verifies: the run's Merkle tree holds a
 * `run_header` leaf, the step leaves and a `run_outcome` leaf, and the checkpoint signs it.
 *
 * @example
 * ```ts
 * trace.schema_version === TRACE_FORMAT; // 'aos.trace.v3'
 * ```
 */
export const TRACE_FORMAT = 'aos.trace.v3';

/**
 * Leaf 0 of a run's tree: who ran what for whom (docs/proof.md).
 *
 * @example
 * ```ts
 * const header: RunHeaderEnvelope = toRunHeader(run, trace);
 * ```
 */
export interface RunHeaderEnvelope {
  type: 'run_header';
  format: typeof TRACE_FORMAT;
  tenant_id: string;
  run_id: string;
  trace_id: string;
  agent_id: string;
  origin_system_id: string;
  goal: string;
  plan_hash: string;
  genesis_hash: string;
  idempotency_key: string | null;
  created_at: string;
}

/**
 * The last leaf of a run's tree: how the run ended.
 *
 * @example
 * ```ts
 * const outcome: RunOutcomeEnvelope = toRunOutcome(run, trace, { chain_length: 3, root_hash, total_cost_cents: 0 });
 * ```
 */
export interface RunOutcomeEnvelope {
  type: 'run_outcome';
  run_id: string;
  run_status: string;
  trace_status: string;
  error_message: string | null;
  attempts: number;
  chain_length: number;
  root_hash: string;
  total_cost_cents: number;
  started_at: string;
  completed_at: string | null;
}

/**
 * The run facts a proof covers, as a run row (or a bundle's `run`) holds them.
 *
 * @example
 * ```ts
 * const run: RunFacts = await db.selectFrom('runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
 * ```
 */
export interface RunFacts {
  id: string;
  tenant_id: string;
  agent_id: string;
  origin_system_id: string;
  goal: string;
  idempotency_key: string | null;
  created_at: TimestampInput;
  status: string;
  error_message: string | null;
  attempts: number;
  /** When given, it must equal the trace's signed completion time (the run is finished with its seal). */
  completed_at?: TimestampInput;
}

/**
 * The trace facts a proof covers, as a trace row (or a bundle's `trace`) holds them.
 *
 * @example
 * ```ts
 * const trace: TraceFacts = { trace_id, run_id, tenant_id, plan_hash, genesis_hash, status, started_at, completed_at };
 * ```
 */
export interface TraceFacts {
  trace_id: string;
  run_id: string;
  tenant_id: string;
  plan_hash: string;
  genesis_hash: string;
  status: string;
  started_at: TimestampInput;
  completed_at: TimestampInput;
}

const HEADER_FIELDS = [
  'type',
  'format',
  'tenant_id',
  'run_id',
  'trace_id',
  'agent_id',
  'origin_system_id',
  'goal',
  'plan_hash',
  'genesis_hash',
  'idempotency_key',
  'created_at',
] as const satisfies readonly (keyof RunHeaderEnvelope)[];

const OUTCOME_FIELDS = [
  'type',
  'run_id',
  'run_status',
  'trace_status',
  'error_message',
  'attempts',
  'chain_length',
  'root_hash',
  'total_cost_cents',
  'started_at',
  'completed_at',
] as const satisfies readonly (keyof RunOutcomeEnvelope)[];

// Where each envelope field comes from, for failure messages that tell the reader what to look at.
const HEADER_SOURCES: Readonly<Record<string, string>> = {
  type: 'the format',
  format: 'the format',
  trace_id: 'the trace',
  plan_hash: 'the trace',
  genesis_hash: 'the trace',
};
const OUTCOME_SOURCES: Readonly<Record<string, string>> = {
  type: 'the format',
  trace_status: 'the trace',
  chain_length: 'the steps',
  root_hash: 'the steps',
  total_cost_cents: 'the steps',
  started_at: 'the trace',
  completed_at: 'the trace',
};

/**
 * The `run_header` envelope of a run: values from the run (tenant, run, agent, origin, goal,
 * idempotency key, created_at) and its trace (trace id, plan hash, genesis hash). Throws a
 * {@link ProofError} `PROOF_BAD_VALUE` for a timestamp without a time zone.
 *
 * @example
 * ```ts
 * const leaf = computeEnvelopeHash(toRunHeader(run, trace));
 * ```
 */
export function toRunHeader(run: RunFacts, trace: TraceFacts): RunHeaderEnvelope {
  return {
    type: 'run_header',
    format: TRACE_FORMAT,
    tenant_id: run.tenant_id,
    run_id: run.id,
    trace_id: trace.trace_id,
    agent_id: run.agent_id,
    origin_system_id: run.origin_system_id,
    goal: run.goal,
    plan_hash: trace.plan_hash,
    genesis_hash: trace.genesis_hash,
    idempotency_key: run.idempotency_key ?? null,
    created_at: requiredTimestamp(run.created_at, 'run.created_at'),
  };
}

/**
 * The chain facts the outcome leaf commits to.
 *
 * @example
 * ```ts
 * const chain: OutcomeChain = { chain_length: steps.length, root_hash: head, total_cost_cents: 1.5 };
 * ```
 */
export interface OutcomeChain {
  chain_length: number;
  root_hash: string;
  total_cost_cents: number;
}

/**
 * The `run_outcome` envelope: the run's status, error and attempts, the trace's status and
 * times, and the chain's length, head and total cost.
 *
 * @example
 * ```ts
 * const outcome = toRunOutcome(run, trace, { chain_length: 2, root_hash, total_cost_cents: 0 });
 * ```
 */
export function toRunOutcome(run: RunFacts, trace: TraceFacts, chain: OutcomeChain): RunOutcomeEnvelope {
  return {
    type: 'run_outcome',
    run_id: run.id,
    run_status: run.status,
    trace_status: trace.status,
    error_message: run.error_message ?? null,
    attempts: run.attempts,
    chain_length: chain.chain_length,
    root_hash: chain.root_hash,
    total_cost_cents: chain.total_cost_cents,
    started_at: requiredTimestamp(trace.started_at, 'trace.started_at'),
    completed_at: toIsoTimestamp(trace.completed_at, 'trace.completed_at'),
  };
}

/**
 * SHA-256(0x00 ‖ UTF-8(JCS(envelope))): the leaf hash of a header, step or outcome envelope.
 *
 * @example
 * ```ts
 * const leaf = computeEnvelopeHash(toRunHeader(run, trace));
 * ```
 */
export function computeEnvelopeHash(envelope: unknown): string {
  return sha256Hex(`\u0000${canonicalize(envelope)}`);
}

/**
 * Compares a stored or shipped header envelope with the one derived from the run and trace.
 * Returns the first problem (`run_header.goal does not match the run`), or `null`.
 */
export function diffRunHeader(expected: RunHeaderEnvelope, provided: unknown): string | null {
  return diffEnvelope('run_header', HEADER_FIELDS, HEADER_SOURCES, 'the run', expected, provided);
}

/**
 * Compares a stored or shipped outcome envelope with the one derived from the run, trace and
 * steps. Returns the first problem (`run_outcome.run_status does not match the run`), or `null`.
 */
export function diffRunOutcome(expected: RunOutcomeEnvelope, provided: unknown): string | null {
  return diffEnvelope('run_outcome', OUTCOME_FIELDS, OUTCOME_SOURCES, 'the run', expected, provided);
}

function diffEnvelope(
  label: string,
  fields: readonly string[],
  sources: Readonly<Record<string, string>>,
  fallbackSource: string,
  expected: object,
  provided: unknown,
): string | null {
  if (typeof provided !== 'object' || provided === null || Array.isArray(provided)) {
    return `${label} must be an object, got ${describeValue(provided)}`;
  }
  const given = provided as Readonly<Record<string, unknown>>;
  const wanted = expected as Readonly<Record<string, unknown>>;
  for (const field of fields) {
    if (!(field in given)) return `${label}.${field} is missing`;
    if (given[field] !== wanted[field]) {
      return `${label}.${field} does not match ${sources[field] ?? fallbackSource}`;
    }
  }
  const extra = Object.keys(given).find((key) => !fields.includes(key));
  return extra === undefined ? null : `${label} has an unexpected field ${JSON.stringify(extra)}`;
}

function requiredTimestamp(value: TimestampInput, field: string): string {
  const iso = toIsoTimestamp(value, field);
  if (iso === null) throw new ProofError('PROOF_BAD_VALUE', `${field} is required`);
  return iso;
}
