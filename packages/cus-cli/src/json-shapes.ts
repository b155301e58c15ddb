import { UUID_PATTERN } from '@aos/proof';
import { z } from 'zod';

// The documents `cus-cli --json` prints, one per invocation (docs/cus-cli.md describes them).
// Every document is checked against its schema before it is written, and tests parse the real
// output with the same schemas, so the documentation, the code and the tests cannot drift. The
// envelopes every bin shares (errors, --help, --version) are @aos/proof/cli-kit/schemas'.

const Uuid = z.string().regex(UUID_PATTERN, 'must be a lowercase UUID');
const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const Timestamp = z.iso.datetime();
const Json = z.json();

/** An agent row. `tenant_id` null = shared by every tenant. */
export const AgentJsonSchema = z.strictObject({
  id: Uuid,
  tenant_id: z.string().nullable(),
  name: z.string(),
  description: z.string(),
  status: z.enum(['active', 'paused', 'disabled']),
  budget_cents: z.number().nullable(),
  spent_cents: z.number(),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const RUN_STATUS_VALUES = ['queued', 'running', 'succeeded', 'failed', 'retry', 'halted'] as const;

/** A run row (without its plan). */
export const RunJsonSchema = z.strictObject({
  id: Uuid,
  tenant_id: z.string(),
  agent_id: Uuid,
  origin_system_id: z.string(),
  goal: z.string(),
  status: z.enum(RUN_STATUS_VALUES),
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

/** `run`: the run after this command, and how many trace steps this command appended. */
export const RunCommandJsonSchema = z.strictObject({
  run_id: Uuid,
  status: z.enum(RUN_STATUS_VALUES),
  steps_executed: z.number().int().nonnegative(),
  error: z.string().nullable(),
  /** False when --idempotency-key matched an existing run. */
  created: z.boolean(),
  run: RunJsonSchema,
});

/** `create-agent`. */
export const CreateAgentJsonSchema = z.strictObject({ agent: AgentJsonSchema });
/** `list-agents`. */
export const ListAgentsJsonSchema = z.strictObject({ agents: z.array(AgentJsonSchema) });
/** `list-runs`. */
export const ListRunsJsonSchema = z.strictObject({ runs: z.array(RunJsonSchema) });

/** The trace of a run, as `get-run` shows it; seal fields are null until sealed. */
export const TraceJsonSchema = z.strictObject({
  trace_id: z.string(),
  status: z.enum(['running', 'completed', 'failed', 'aborted']),
  chain_length: z.number().int().nullable(),
  root_hash: Hash.nullable(),
  sealed_at: Timestamp.nullable(),
});

/** One trace step (one executed attempt of a plan step). */
export const TraceStepJsonSchema = z.strictObject({
  step_index: z.number().int().nonnegative(),
  attempt: z.number().int(),
  plan_step_id: z.string().nullable(),
  skill_name: z.string().nullable(),
  skill_version: z.string().nullable(),
  params: Json.nullable(),
  status: z.enum(['started', 'success', 'failure', 'skipped']),
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

/** `get-run`: the run with its plan, its trace (null before execution) and its steps. */
export const GetRunJsonSchema = z.strictObject({
  run: RunJsonSchema.extend({ plan: Json.nullable() }),
  trace: TraceJsonSchema.nullable(),
  steps: z.array(TraceStepJsonSchema),
});

/** One skill of the registry, with its input JSON Schema. */
export const SkillJsonSchema = z.strictObject({
  name: z.string().min(1),
  version: z.string().min(1),
  description: z.string().min(1),
  deterministic: z.boolean(),
  side_effects: z.boolean(),
  network: z.boolean(),
  input_schema: z.record(z.string(), z.unknown()),
});
/** `list-skills`. */
export const ListSkillsJsonSchema = z.strictObject({ skills: z.array(SkillJsonSchema) });

export const VERIFICATION_STATUS_VALUES = ['VERIFIED', 'FAILED', 'UNSUPPORTED'] as const;

// What `proof` reports are stored values, shown as they are even when tampered with: a
// verdict must not fail to print because a forged hash is not well-formed.
const StoredHash = z.string();

/** The integrity verdict of a run (docs/proof.md). */
export const IntegrityJsonSchema = z.strictObject({
  model: z.literal('HASH_CHAIN'),
  verification_status: z.enum(VERIFICATION_STATUS_VALUES),
  chain_length: z.number().int().nullable(),
  root_hash: StoredHash.nullable(),
  merkle_root: StoredHash.nullable(),
  failure_reason: z.string().nullable(),
  first_divergent_step: z.number().int().nullable(),
  signature_valid: z.boolean(),
  outcome_unknown_steps: z.array(z.number().int().nonnegative()),
});

/** What `proof --export` wrote and how to check it offline. */
export const ProofExportJsonSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(['aos.proof-bundle.v2', 'aos.step-proof.v2']),
  step_index: z.number().int().nonnegative().nullable(),
  /** The deployment's current verifier key (null when it has none, e.g. a fresh AOS_HOME). */
  verifier_key: z.string().min(1).nullable(),
  /** Every key of the trusted set (current and retired), each passed to verify_command. */
  verifier_keys: z.array(z.string().min(1)),
  verify_command: z.string().min(1),
});

/** One trace as the proof coordinator summarises it (@aos/proof `TraceSummary`). */
export const ProofTraceJsonSchema = z.strictObject({
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

/** One trace step as the proof coordinator summarises it (@aos/proof `TraceStepSummary`). */
export const ProofStepJsonSchema = z.strictObject({
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

/**
 * `proof`: `getRunProof`'s RunProofResult (`run_id`, `integrity`, `aos_traces`, `aos_trace_steps`,
 * `verified_at`), plus the counts the text output prints and the export when asked for.
 */
export const ProofJsonSchema = z.strictObject({
  run_id: Uuid,
  integrity: IntegrityJsonSchema,
  trace_count: z.number().int().nonnegative(),
  step_count: z.number().int().nonnegative(),
  aos_traces: z.array(ProofTraceJsonSchema),
  aos_trace_steps: z.array(ProofStepJsonSchema),
  verified_at: Timestamp,
  export: ProofExportJsonSchema.nullable(),
});

/** A secret as `secrets` commands show it: name and dates, never the value. */
export const SecretJsonSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
  created_at: Timestamp,
  updated_at: Timestamp,
});
/** `secrets set`: `created` is false when an existing value was replaced. */
export const SetSecretJsonSchema = z.strictObject({ secret: SecretJsonSchema, created: z.boolean() });
/** `secrets list`. */
export const ListSecretsJsonSchema = z.strictObject({ secrets: z.array(SecretJsonSchema) });
/** `secrets delete`: the secret that was deleted. */
export const DeleteSecretJsonSchema = z.strictObject({ deleted: SecretJsonSchema });

export type RunCommandJson = z.infer<typeof RunCommandJsonSchema>;
export type AgentJson = z.infer<typeof AgentJsonSchema>;
export type RunJson = z.infer<typeof RunJsonSchema>;
export type GetRunJson = z.infer<typeof GetRunJsonSchema>;
export type SkillJson = z.infer<typeof SkillJsonSchema>;
export type ProofJson = z.infer<typeof ProofJsonSchema>;
export type ProofExportJson = z.infer<typeof ProofExportJsonSchema>;
