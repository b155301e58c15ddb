import { ProofError } from './errors';
import { describeValue } from './sha256-hash';

/**
 * The 22 stored fields of a trace step that its leaf hash commits to, in stored order (docs/proof.md, "The run's tree").
 *
 * @example
 * ```ts
 * for (const field of STEP_ENVELOPE_FIELDS) console.log(field, envelope[field]);
 * ```
 */
export const STEP_ENVELOPE_FIELDS = [
  'tenant_id',
  'run_id',
  'trace_id',
  'step_index',
  'attempt',
  'lease_epoch',
  'plan_step_id',
  'skill_id',
  'skill_name',
  'skill_version',
  'params',
  'status',
  'outcome_category',
  'outcome_code',
  'outcome_data',
  'error',
  'cost_cents',
  'duration_ms',
  'retry_count',
  'replay_behavior',
  'started_at',
  'completed_at',
] as const;

/**
 * One of {@link STEP_ENVELOPE_FIELDS}.
 *
 * @example
 * ```ts
 * const field: StepEnvelopeField = 'params';
 * ```
 */
export type StepEnvelopeField = (typeof STEP_ENVELOPE_FIELDS)[number];

/**
 * A JSON value as Postgres jsonb stores and returns it.
 *
 * @example
 * ```ts
 * const params: JsonValue = { url: 'https://example.com', retries: [1, 2] };
 * ```
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The JSON object a step's leaf hash is computed from (docs/proof.md). Absent values are `null`;
 * timestamps are ISO-8601 UTC with milliseconds (`2026-02-09T18:12:00.986Z`).
 *
 * @example
 * ```ts
 * const envelope: StepEnvelope = toStepEnvelope(row);
 * const leaf = computeLeafHash(envelope);
 * ```
 */
export interface StepEnvelope {
  tenant_id: string;
  run_id: string;
  trace_id: string;
  step_index: number;
  attempt: number | null;
  /** The run lease epoch the step was written under (0 until leases are used). */
  lease_epoch: number | null;
  plan_step_id: string | null;
  skill_id: string | null;
  skill_name: string | null;
  skill_version: string | null;
  params: JsonValue;
  status: string | null;
  outcome_category: string | null;
  outcome_code: string | null;
  outcome_data: JsonValue;
  error: string | null;
  cost_cents: number | null;
  duration_ms: number | null;
  retry_count: number | null;
  replay_behavior: string | null;
  started_at: string | null;
  completed_at: string | null;
}

/**
 * A timestamp as a step row may hold it: a Date, a string with a time zone, or nothing.
 *
 * @example
 * ```ts
 * const startedAt: TimestampInput = row.started_at ?? null;
 * ```
 */
export type TimestampInput = Date | string | null | undefined;

/**
 * A row-like object holding the envelope's fields (timestamps as {@link TimestampInput});
 * other properties of the row (hashes, columns of other tables) are ignored. Absent or
 * `undefined` values become `null`.
 *
 * @example
 * ```ts
 * const row: StepRowLike = await db.selectFrom('aos_trace_steps').selectAll().executeTakeFirstOrThrow();
 * ```
 */
export type StepRowLike = { readonly [K in StepEnvelopeField]?: unknown };

const REQUIRED_ID_FIELDS = ['tenant_id', 'run_id', 'trace_id'] as const;
const TEXT_FIELDS = [
  'plan_step_id',
  'skill_id',
  'skill_name',
  'skill_version',
  'status',
  'outcome_category',
  'outcome_code',
  'error',
  'replay_behavior',
] as const;
const INTEGER_FIELDS = ['attempt', 'lease_epoch', 'retry_count'] as const;
const NUMBER_FIELDS = ['cost_cents', 'duration_ms'] as const;
const TIMESTAMP_FIELDS = ['started_at', 'completed_at'] as const;
const ENVELOPE_FIELD_SET: ReadonlySet<string> = new Set(STEP_ENVELOPE_FIELDS);
// Envelopes are built with their members already in JCS order, so canonicalising one (and the
// same envelope read back from a bundle) needs no sort: the verifier's hot path.
const CANONICAL_FIELD_ORDER: readonly StepEnvelopeField[] = [...STEP_ENVELOPE_FIELDS].sort();

/** A time written exactly as it is hashed: ISO-8601 UTC with milliseconds. */
export const ISO_MILLIS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const HAS_ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * Builds the envelope of a step from a row-like object: picks the 22 fields, turns
 * absent values into `null` and timestamps (a `Date`, or a string with an explicit time zone)
 * into ISO-8601 UTC with milliseconds. Throws a {@link ProofError} `PROOF_BAD_VALUE` naming
 * the field when a value has the wrong type (e.g. an int8 column read back as a string).
 * The envelope's members are laid out in canonical (JCS) order rather than the stored-field order, which
 * changes nothing in its hash but lets hashing skip a sort.
 *
 * @example
 * ```ts
 * const envelope = toStepEnvelope({
 *   tenant_id: 'acme', run_id: runId, trace_id: `trace_${runId}`, step_index: 0,
 *   skill_name: 'echo', params: { message: 'hi' }, status: 'success',
 *   started_at: new Date(), completed_at: '2026-02-09T18:12:00.986Z',
 * });
 * envelope.attempt; // null
 * ```
 */
export function toStepEnvelope(row: StepRowLike): StepEnvelope {
  const source = row as Readonly<Record<string, unknown>>;
  const envelope: Record<string, unknown> = {};
  for (const field of CANONICAL_FIELD_ORDER) {
    const value = source[field];
    envelope[field] = value === undefined ? null : value;
  }
  for (const field of TIMESTAMP_FIELDS) {
    envelope[field] = toIsoTimestamp(source[field] as TimestampInput, field, 'step row: ');
  }
  const problem = findStepEnvelopeProblem(envelope);
  if (problem !== null) throw new ProofError('PROOF_BAD_VALUE', `step row: ${problem}`);
  return envelope as unknown as StepEnvelope;
}

/** A timestamp as ISO-8601 UTC with milliseconds (`null` stays `null`); throws PROOF_BAD_VALUE naming `field`. */
export function toIsoTimestamp(value: TimestampInput, field: string, context = ''): string | null {
  if (value === null || value === undefined) return null;
  let date: Date;
  if (value instanceof Date) {
    date = value;
  } else if (typeof value === 'string') {
    if (ISO_MILLIS_UTC.test(value)) return value;
    if (!HAS_ZONE.test(value.trim())) {
      throw new ProofError('PROOF_BAD_VALUE', `${context}${field} ${describeValue(value)} has no time zone`);
    }
    date = new Date(value);
  } else {
    throw new ProofError(
      'PROOF_BAD_VALUE',
      `${context}${field} must be a Date, an ISO-8601 string or null, got ${describeValue(value)}`,
    );
  }
  if (Number.isNaN(date.getTime())) {
    throw new ProofError('PROOF_BAD_VALUE', `${context}${field} ${describeValue(value)} is not a valid time`);
  }
  return date.toISOString();
}

/**
 * Checks that `value` has the shape of a {@link StepEnvelope} — exactly the 22 fields with
 * their types — without walking `params`/`outcome_data` (canonicalisation checks those). It is
 * the cheap per-step check used while verifying long chains. Returns the first problem found
 * (`"envelope.cost_cents must be a number or null"`), or `null` when the shape is right.
 *
 * @example
 * ```ts
 * const problem = findStepEnvelopeProblem(JSON.parse(text));
 * if (problem !== null) throw new Error(problem);
 * ```
 */
export function findStepEnvelopeProblem(value: unknown): string | null {
  return isWellFormedEnvelope(value) ? null : describeEnvelopeProblem(value);
}

/** The detailed (slower) check behind {@link findStepEnvelopeProblem}, run only on failure. */
function describeEnvelopeProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `envelope must be an object, got ${describeValue(value)}`;
  }
  const envelope = value as Readonly<Record<string, unknown>>;
  let present = 0;
  for (const field of STEP_ENVELOPE_FIELDS) {
    if (envelope[field] === undefined) return `envelope.${field} is missing`;
    present++;
  }
  if (Object.keys(envelope).length !== present) {
    const extra = Object.keys(envelope).find((key) => !ENVELOPE_FIELD_SET.has(key));
    return `envelope has an unexpected field ${JSON.stringify(extra)}`;
  }
  for (const field of REQUIRED_ID_FIELDS) {
    const v = envelope[field];
    if (typeof v !== 'string' || v === '') {
      return `envelope.${field} must be a non-empty string, got ${describeValue(v)}`;
    }
  }
  const stepIndex = envelope.step_index;
  if (!Number.isSafeInteger(stepIndex) || (stepIndex as number) < 0) {
    return `envelope.step_index must be a non-negative integer, got ${describeValue(stepIndex)}`;
  }
  for (const field of TEXT_FIELDS) {
    const v = envelope[field];
    if (v !== null && typeof v !== 'string') {
      return `envelope.${field} must be a string or null, got ${describeValue(v)}`;
    }
  }
  for (const field of INTEGER_FIELDS) {
    const v = envelope[field];
    if (v !== null && !Number.isSafeInteger(v)) {
      return `envelope.${field} must be an integer or null, got ${describeValue(v)}`;
    }
  }
  for (const field of NUMBER_FIELDS) {
    const v = envelope[field];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) {
      return `envelope.${field} must be a finite number or null, got ${describeValue(v)}`;
    }
  }
  for (const field of TIMESTAMP_FIELDS) {
    const v = envelope[field];
    if (v !== null && (typeof v !== 'string' || !ISO_MILLIS_UTC.test(v))) {
      return `envelope.${field} must be an ISO-8601 UTC time with milliseconds or null, got ${describeValue(v)}`;
    }
  }
  return null;
}

// Named property reads stay monomorphic across a million envelopes of the same shape, which
// keyed reads over the field list do not; this is the per-step cost of verifying a chain.
function isWellFormedEnvelope(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const e = value as { readonly [K in StepEnvelopeField]?: unknown };
  return (
    isNonEmptyString(e.tenant_id) &&
    isNonEmptyString(e.run_id) &&
    isNonEmptyString(e.trace_id) &&
    Number.isSafeInteger(e.step_index) &&
    (e.step_index as number) >= 0 &&
    isIntegerOrNull(e.attempt) &&
    isIntegerOrNull(e.lease_epoch) &&
    isStringOrNull(e.plan_step_id) &&
    isStringOrNull(e.skill_id) &&
    isStringOrNull(e.skill_name) &&
    isStringOrNull(e.skill_version) &&
    e.params !== undefined &&
    isStringOrNull(e.status) &&
    isStringOrNull(e.outcome_category) &&
    isStringOrNull(e.outcome_code) &&
    e.outcome_data !== undefined &&
    isStringOrNull(e.error) &&
    isFiniteOrNull(e.cost_cents) &&
    isFiniteOrNull(e.duration_ms) &&
    isIntegerOrNull(e.retry_count) &&
    isStringOrNull(e.replay_behavior) &&
    isTimestampOrNull(e.started_at) &&
    isTimestampOrNull(e.completed_at) &&
    Object.keys(e).length === STEP_ENVELOPE_FIELDS.length
  );
}

function isNonEmptyString(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}
function isStringOrNull(v: unknown): boolean {
  return v === null || typeof v === 'string';
}
function isIntegerOrNull(v: unknown): boolean {
  return v === null || Number.isSafeInteger(v);
}
function isFiniteOrNull(v: unknown): boolean {
  return v === null || (typeof v === 'number' && Number.isFinite(v));
}
function isTimestampOrNull(v: unknown): boolean {
  return v === null || (typeof v === 'string' && ISO_MILLIS_UTC.test(v));
}
