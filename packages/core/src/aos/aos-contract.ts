import { LogReceiptSchema, RUN_STATUSES, STEP_STATUSES, TRACE_STATUSES, UUID_PATTERN } from '@aos/proof';
import { z } from 'zod';
import { AGENT_STATUSES } from '../db/schema';

// The data the `Aos` facade takes and returns, as zod schemas: plain JSON values only (ids,
// numbers, ISO-8601 strings, JSON), so the local facade, the HTTP API and the remote client
// exchange exactly these documents. The CLIs' `--json` output is built from them, and tests
// parse real output with them: the facade, the wire and the docs cannot drift apart.

const Uuid = z.string().regex(UUID_PATTERN, 'must be a lowercase UUID');
const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const Timestamp = z.iso.datetime();
const Json = z.json();
// What a proof reports are stored values, shown as they are even when tampered with: a verdict
// must not fail to print because a forged hash is not well-formed.
const StoredHash = z.string();

/** An agent. `tenant_id` null = shared by every tenant. */
export const AgentViewSchema = z.strictObject({
  id: Uuid,
  tenant_id: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  status: z.enum(AGENT_STATUSES),
  budget_cents: z.number().nullable(),
  spent_cents: z.number(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type AgentView = z.infer<typeof AgentViewSchema>;

/**
 * One page of agents, oldest first (`GET /v1/agents` sends it as it is). `next_cursor` is an
 * opaque token that asks for the page after this one; null on the last page.
 */
export const AgentListViewSchema = z.strictObject({
  agents: z.array(AgentViewSchema),
  next_cursor: z.string().nullable(),
});
export type AgentListView = z.infer<typeof AgentListViewSchema>;

/** A run (without its plan). */
export const RunViewSchema = z.strictObject({
  id: Uuid,
  tenant_id: z.string(),
  agent_id: Uuid,
  origin_system_id: z.string(),
  goal: z.string(),
  status: z.enum(RUN_STATUSES),
  attempts: z.number().int(),
  max_attempts: z.number().int(),
  error_message: z.string().nullable(),
  plan_hash: Hash.nullable(),
  idempotency_key: z.string().nullable(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  next_attempt_at: Timestamp.nullable(),
  duration_ms: z.number().nullable(),
});
export type RunView = z.infer<typeof RunViewSchema>;

/**
 * One page of a tenant's runs, newest first (`GET /v1/runs` sends it as it is). `next_cursor`
 * is an opaque token that asks for the page after this one; null on the last page.
 */
export const RunListViewSchema = z.strictObject({ runs: z.array(RunViewSchema), next_cursor: z.string().nullable() });
export type RunListView = z.infer<typeof RunListViewSchema>;

/** What running a goal came to: the run after it, and how many trace steps this call appended. */
export const RunOutcomeSchema = z.strictObject({
  run: RunViewSchema,
  /** False when the idempotency key matched an existing run. */
  created: z.boolean(),
  steps_executed: z.number().int().nonnegative(),
});
export type RunOutcome = z.infer<typeof RunOutcomeSchema>;

/** The trace of a run; seal fields are null until sealed. */
const TraceViewSchema = z.strictObject({
  trace_id: z.string(),
  status: z.enum(TRACE_STATUSES),
  chain_length: z.number().int().nullable(),
  root_hash: Hash.nullable(),
  sealed_at: Timestamp.nullable(),
});
export type TraceView = z.infer<typeof TraceViewSchema>;

/** One trace step (one executed attempt of a plan step). */
export const TraceStepViewSchema = z.strictObject({
  step_index: z.number().int().nonnegative(),
  attempt: z.number().int(),
  plan_step_id: z.string().nullable(),
  skill_name: z.string().nullable(),
  skill_version: z.string().nullable(),
  params: Json.nullable(),
  status: z.enum(STEP_STATUSES),
  outcome_category: z.string().nullable(),
  outcome_code: z.string().nullable(),
  outcome_data: Json.nullable(),
  error: z.string().nullable(),
  cost_cents: z.number(),
  duration_ms: z.number().nullable(),
  retry_count: z.number().int(),
  started_at: Timestamp.nullable(),
  completed_at: Timestamp.nullable(),
  leaf_hash: Hash,
  prev_hash: Hash,
  step_hash: Hash,
});
export type TraceStepView = z.infer<typeof TraceStepViewSchema>;

/** A run with its plan, its trace (null before execution) and its steps. */
export const RunDetailsViewSchema = z.strictObject({
  run: RunViewSchema.extend({ plan: Json.nullable() }),
  trace: TraceViewSchema.nullable(),
  steps: z.array(TraceStepViewSchema),
  /** The run's tenant-log receipt (SPEC §13), once the sequencer has logged its sealed trace. */
  receipt: z.nullable(LogReceiptSchema),
});
export type RunDetailsView = z.infer<typeof RunDetailsViewSchema>;

/**
 * A tenant's budget (SPEC §8): its limits (its own, or the defaults when `source` is
 * `default`) and what it has spent in the current hour and day (cost events plus reservations
 * in flight).
 */
export const BudgetViewSchema = z.strictObject({
  quota: z.strictObject({
    tenant_id: z.string(),
    daily_limit_cents: z.number(),
    hourly_limit_cents: z.number(),
    request_limit_cents: z.number(),
    run_limit_cents: z.number(),
    warn_threshold: z.number(),
    hard_limit: z.boolean(),
    source: z.enum(['stored', 'default']),
  }),
  spend: z.strictObject({ daily_cents: z.number(), hourly_cents: z.number() }),
});
export type BudgetView = z.infer<typeof BudgetViewSchema>;

/** One skill of the registry, with its input JSON Schema. */
export const SkillViewSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().min(1),
  deterministic: z.boolean(),
  side_effects: z.boolean(),
  network: z.boolean(),
  input_schema: z.record(z.string(), z.unknown()),
});
export type SkillView = z.infer<typeof SkillViewSchema>;

/** A secret: name and dates, never the value. */
export const SecretViewSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type SecretView = z.infer<typeof SecretViewSchema>;

/** Storing a secret: `created` is false when an existing value was replaced. */
export const SetSecretOutcomeSchema = z.strictObject({ secret: SecretViewSchema, created: z.boolean() });
export type SetSecretOutcome = z.infer<typeof SetSecretOutcomeSchema>;

export const VERIFICATION_STATUSES = ['VERIFIED', 'FAILED', 'UNSUPPORTED'] as const;

/** A run's place in its tenant log, as a verified receipt shows it. */
export const LogInclusionViewSchema = z.strictObject({
  log_index: z.number().int().nonnegative(),
  leaf_hash: StoredHash,
  origin: z.string(),
  tree_size: z.number().int().positive(),
  root_hash: StoredHash,
  checkpoint: z.string(),
  cosigned_by: z.array(z.string()),
  consistent_from: z.number().int().nullable(),
});
export type LogInclusionView = z.infer<typeof LogInclusionViewSchema>;

/** The integrity verdict of a run (docs/proof.md). */
const IntegrityViewSchema = z.strictObject({
  model: z.literal('HASH_CHAIN'),
  verification_status: z.enum(VERIFICATION_STATUSES),
  chain_length: z.number().int().nullable(),
  root_hash: StoredHash.nullable(),
  merkle_root: StoredHash.nullable(),
  failure_reason: z.string().nullable(),
  first_divergent_step: z.number().int().nullable(),
  signature_valid: z.boolean(),
  outcome_unknown_steps: z.array(z.number().int().nonnegative()),
  /** Where the run sits in its tenant's transparency log (SPEC §13), when VERIFIED. */
  log_inclusion: LogInclusionViewSchema.nullable(),
});

/** One trace as a proof report summarises it. */
const ProofTraceViewSchema = z.strictObject({
  trace_id: z.string(),
  run_id: Uuid,
  tenant_id: z.string(),
  status: z.string(),
  plan_hash: StoredHash,
  genesis_hash: StoredHash,
  root_hash: StoredHash.nullable(),
  merkle_root: StoredHash.nullable(),
  chain_length: z.number().int().nullable(),
  started_at: Timestamp,
  completed_at: Timestamp.nullable(),
  sealed_at: Timestamp.nullable(),
});

/** One trace step as a proof report summarises it. */
const ProofStepViewSchema = z.strictObject({
  step_index: z.number().int().nonnegative(),
  attempt: z.number().int(),
  plan_step_id: z.string().nullable(),
  skill_name: z.string().nullable(),
  status: z.string(),
  retry_count: z.number().int(),
  cost_cents: z.number(),
  duration_ms: z.number().nullable(),
  leaf_hash: z.string(),
  prev_hash: z.string(),
  step_hash: z.string(),
});

/** The verifier keys proofs are checked against: the current one and every trusted one. */
export const TrustedKeysViewSchema = z.strictObject({
  /** The key new runs are sealed with; null when the deployment has none yet. */
  current: z.string().min(1).nullable(),
  /** Every trusted key (`name+keyid+base64`), current and retired. */
  keys: z.array(z.string().min(1)),
});
export type TrustedKeysView = z.infer<typeof TrustedKeysViewSchema>;

/** A run's proof, recomputed from its stored rows and checked against the trusted keys. */
export const ProofReportSchema = z.strictObject({
  run_id: Uuid,
  integrity: IntegrityViewSchema,
  trace_count: z.number().int().nonnegative(),
  step_count: z.number().int().nonnegative(),
  aos_traces: z.array(ProofTraceViewSchema),
  aos_trace_steps: z.array(ProofStepViewSchema),
  verified_at: Timestamp,
  trusted_keys: TrustedKeysViewSchema,
});
export type ProofReport = z.infer<typeof ProofReportSchema>;

/** A tenant's newest log checkpoint as stored (verify it before relying on it: {@link LogVerificationSchema}). */
export const LogCheckpointViewSchema = z.strictObject({
  tenant_id: z.string(),
  tree_size: z.number().int().positive(),
  root_hash: StoredHash,
  /** The signed note with its witnesses' cosignature lines. */
  checkpoint: z.string(),
  /** Names of the witnesses that cosigned it. */
  cosigned_by: z.array(z.string()),
});
export type LogCheckpointView = z.infer<typeof LogCheckpointViewSchema>;

/** An RFC 9162 proof between log positions, hashes in base64 (as C2SP tlog-witness writes them). */
export const LogProofViewSchema = z.strictObject({
  tenant_id: z.string(),
  from: z.number().int().nonnegative(),
  to: z.number().int().positive(),
  proof: z.array(z.string()),
});
export type LogProofView = z.infer<typeof LogProofViewSchema>;

/**
 * `log verify`: the tenant's newest checkpoint checked against the trusted keys and, with a saved
 * checkpoint, shown to extend it. VERIFIED or FAILED (with why); `checkpoint` is the newest one
 * (save it when VERIFIED).
 */
export const LogVerificationSchema = z.strictObject({
  tenant_id: z.string(),
  verification_status: z.enum(['VERIFIED', 'FAILED']),
  failure_reason: z.string().nullable(),
  origin: z.string().nullable(),
  /** Size of the saved checkpoint it was checked from (null without one). */
  from_size: z.number().int().nullable(),
  tree_size: z.number().int().nullable(),
  root_hash: StoredHash.nullable(),
  checkpoint: z.string().nullable(),
  cosigned_by: z.array(z.string()),
  verified_at: Timestamp,
});
export type LogVerification = z.infer<typeof LogVerificationSchema>;

export const PROOF_EXPORT_FORMATS = ['aos.proof-bundle.v2', 'aos.step-proof.v2'] as const;
