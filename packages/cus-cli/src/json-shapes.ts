import {
  AgentViewSchema,
  BudgetViewSchema,
  LogVerificationSchema,
  PROOF_EXPORT_FORMATS,
  ProofReportSchema,
  RunDetailsViewSchema,
  RunViewSchema,
  SecretViewSchema,
  SetSecretOutcomeSchema,
  SkillViewSchema,
} from '@aos/core/contract';
import { UUID_PATTERN } from '@aos/proof';
import { z } from 'zod';

// The documents `cus-cli --json` prints, one per invocation (docs/cus-cli.md describes them):
// envelopes around the facade's data (`@aos/core/contract`), the same in local and remote mode.
// Every document is checked against its schema before it is written, and tests parse the real
// output with the same schemas, so the documentation, the code and the tests cannot drift. The
// envelopes every bin shares (errors, --help, --version) are @aos/proof/cli-kit/schemas'.

const Uuid = z.string().regex(UUID_PATTERN, 'must be a lowercase UUID');

/** `run`: the run after this command, and how many trace steps this command appended. */
export const RunCommandJsonSchema = z.strictObject({
  run_id: Uuid,
  status: RunViewSchema.shape.status,
  steps_executed: z.number().int().nonnegative(),
  error: z.string().nullable(),
  /** False when --idempotency-key matched an existing run. */
  created: z.boolean(),
  run: RunViewSchema,
});

/** `create-agent`. */
export const CreateAgentJsonSchema = z.strictObject({ agent: AgentViewSchema });
/** `list-agents`: one page, and the `--cursor` of the next one (null on the last page). */
export const ListAgentsJsonSchema = z.strictObject({
  agents: z.array(AgentViewSchema),
  next_cursor: z.string().nullable(),
});
/** `get-agent`, and `pause-agent`, `resume-agent`, `archive-agent` (the agent afterwards). */
export const AgentJsonSchema = z.strictObject({ agent: AgentViewSchema });
/** `cancel-run`: the run afterwards (`halted`, error `cancelled`). */
export const CancelRunJsonSchema = z.strictObject({
  run_id: Uuid,
  status: RunViewSchema.shape.status,
  error: z.string().nullable(),
  run: RunViewSchema,
});
/** `list-runs`: one page, and the `--cursor` of the next one (null on the last page). */
export const ListRunsJsonSchema = z.strictObject({ runs: z.array(RunViewSchema), next_cursor: z.string().nullable() });
/** `get-run`: the run with its plan, its trace (null before execution) and its steps. */
export const GetRunJsonSchema = RunDetailsViewSchema;
/** `budget`. */
export const BudgetJsonSchema = BudgetViewSchema;

/** `list-skills`. */
export const ListSkillsJsonSchema = z.strictObject({ skills: z.array(SkillViewSchema) });

/** What `proof --export` wrote and how to check it offline. */
export const ProofExportJsonSchema = z.strictObject({
  path: z.string().min(1),
  format: z.enum(PROOF_EXPORT_FORMATS),
  step_index: z.number().int().nonnegative().nullable(),
  /** The deployment's current verifier key (null when it has none, e.g. a fresh AOS_HOME). */
  verifier_key: z.string().min(1).nullable(),
  /** Every key of the trusted set (current and retired), each passed to verify_command. */
  verifier_keys: z.array(z.string().min(1)),
  verify_command: z.string().min(1),
});

/**
 * `proof`: the facade's proof report (`run_id`, `integrity`, counts, `aos_traces`,
 * `aos_trace_steps`, `verified_at`) without the trusted keys, plus the export when asked for.
 */
export const ProofJsonSchema = ProofReportSchema.omit({ trusted_keys: true }).extend({
  export: ProofExportJsonSchema.nullable(),
});

/** `secrets set`: `created` is false when an existing value was replaced. */
export const SetSecretJsonSchema = SetSecretOutcomeSchema;
/** `secrets list`. */
export const ListSecretsJsonSchema = z.strictObject({ secrets: z.array(SecretViewSchema) });
/** `secrets delete`: the secret that was deleted. */
export const DeleteSecretJsonSchema = z.strictObject({ deleted: SecretViewSchema });

export type RunCommandJson = z.infer<typeof RunCommandJsonSchema>;
export type ProofJson = z.infer<typeof ProofJsonSchema>;
export type ProofExportJson = z.infer<typeof ProofExportJsonSchema>;

/** `whoami`: the mode, and what applies in it (the other mode's fields are null). */
export const WhoAmIJsonSchema = z.strictObject({
  mode: z.enum(['local', 'remote']),
  api_url: z.string().nullable(),
  profile: z.string().nullable(),
  tenant_id: z.string().nullable(),
  key_id: z.string().nullable(),
  key_prefix: z.string().nullable(),
  scopes: z.array(z.string()).nullable(),
  aos_home: z.string().nullable(),
  database: z.string().nullable(),
});
export type WhoAmIJson = z.infer<typeof WhoAmIJsonSchema>;

/** `login`: the profile written and the verifier key pinned in it. */
export const LoginJsonSchema = z.strictObject({
  profile: z.string(),
  path: z.string(),
  api_url: z.string(),
  tenant_id: z.string(),
  key_prefix: z.string(),
  scopes: z.array(z.string()),
  verifier_key: z.string(),
  fingerprint: z.string(),
});
export type LoginJson = z.infer<typeof LoginJsonSchema>;

/** `logout`. */
export const LogoutJsonSchema = z.strictObject({ profile: z.string(), key_removed: z.boolean() });

/** Where a trusted key comes from. */
export const TRUST_SOURCES = ['profile', 'env', 'local'] as const;

/** `trust list|add|remove`: the keys trusted afterwards. */
export const TrustJsonSchema = z.strictObject({
  mode: z.enum(['local', 'remote']),
  profile: z.string().nullable(),
  keys: z.array(z.strictObject({ key: z.string(), source: z.enum(TRUST_SOURCES) })),
  changed: z.boolean().nullable(),
});
export type TrustJson = z.infer<typeof TrustJsonSchema>;

/** A tenant checkpoint this CLI saved (SPEC §13): where, and its log size. */
export const SavedCheckpointJsonSchema = z.strictObject({
  path: z.string().min(1),
  tree_size: z.number().int().positive(),
});

/**
 * `log status`: the tenant's newest checkpoint as stored (not verified; `tree_size` 0 and the
 * rest null or empty when the log has none yet), and the checkpoint saved here.
 */
export const LogStatusJsonSchema = z.strictObject({
  tenant_id: z.string(),
  origin: z.string().nullable(),
  tree_size: z.number().int().nonnegative(),
  root_hash: z.string().nullable(),
  checkpoint: z.string().nullable(),
  cosigned_by: z.array(z.string()),
  saved: SavedCheckpointJsonSchema.nullable(),
});
export type LogStatusJson = z.infer<typeof LogStatusJsonSchema>;

/**
 * `log verify`: the facade's verdict, the checkpoint file it was checked from (`--since`, or the
 * saved one; null for neither), and whether the saved checkpoint was replaced by the newest one.
 */
export const LogVerifyJsonSchema = LogVerificationSchema.extend({
  since: z.strictObject({ path: z.string().min(1), source: z.enum(['saved', 'file']) }).nullable(),
  saved: z.boolean(),
});
export type LogVerifyJson = z.infer<typeof LogVerifyJsonSchema>;
