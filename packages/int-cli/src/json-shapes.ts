import { AUDIT_FINDING_KINDS, BudgetViewSchema } from '@aos/core/ops';
import { z } from 'zod';

// The one JSON document each command prints with --json (docs/int-cli.md). Tests parse the
// real output with these schemas, so a change of shape is a change here first. Failures are the
// kit's `{"error":{"code","message"}}` (ErrorJsonSchema of @aos/proof/cli-kit/schemas).

const Timestamp = z.iso.datetime({ offset: true });
const Hash = z.string().regex(/^[0-9a-f]{64}$/);

const StoreShape = z.object({ driver: z.enum(['embedded', 'server']), location: z.string() }).strict();

const QuotaShape = BudgetViewSchema.shape.quota;

const AlertShape = z
  .object({
    id: z.number(),
    level: z.enum(['warn', 'exceeded', 'critical']),
    period: z.enum(['request', 'hourly', 'daily', 'run']),
    message: z.string(),
    spend_cents: z.number(),
    limit_cents: z.number(),
  })
  .strict();

export const DemoShape = z
  .object({
    quick: z.boolean(),
    store: StoreShape,
    skills: z.object({ count: z.number().int(), names: z.array(z.string()) }).strict(),
    quota: QuotaShape,
    determinism: z
      .object({
        skill: z.literal('json_transform'),
        input: z.unknown(),
        output: z.unknown(),
        hashes: z.tuple([Hash, Hash]),
        deterministic: z.boolean(),
      })
      .strict(),
    cost: z
      .object({
        event_id: z.number().int(),
        tenant_id: z.string(),
        cost_cents: z.number(),
        created_at: Timestamp,
        daily_spend_cents: z.number(),
        hourly_spend_cents: z.number(),
        alerts: z.array(AlertShape),
      })
      .strict(),
    timing: z.object({ total_ms: z.number(), store_open_ms: z.number(), paused_ms: z.number() }).strict(),
    dropped_by_quick: z.array(z.string()),
    next_commands: z.array(z.string()),
  })
  .strict();

/** Same shape as the customer CLI's `list-skills`. */
export const ListSkillsShape = z
  .object({
    skills: z.array(
      z
        .object({
          name: z.string().min(1),
          version: z.string().min(1),
          description: z.string().min(1),
          deterministic: z.boolean(),
          side_effects: z.boolean(),
          network: z.boolean(),
          input_schema: z.record(z.string(), z.unknown()),
        })
        .strict(),
    ),
  })
  .strict();

export const MigrateShape = z
  .object({
    store: StoreShape,
    migrations: z.array(
      z
        .object({ name: z.string(), status: z.enum(['applied', 'already-applied']), executed_at: Timestamp.nullable() })
        .strict(),
    ),
    applied_now: z.number().int(),
    run_queue: z.object({ schema: z.string() }).strict().nullable(),
  })
  .strict();

/** `db roles --print --json`: the SQL, not run. */
export const DbRolesSqlShape = z.object({ sql: z.string() }).strict();

/** `db roles --json`: each role, created now or there already. */
export const DbRolesShape = z
  .object({
    store: StoreShape,
    roles: z.array(
      z
        .object({
          name: z.enum(['aos_owner', 'aos_app', 'aos_audit', 'aos_worker']),
          status: z.enum(['created', 'existing']),
        })
        .strict(),
    ),
  })
  .strict();

const KeyId = z.string().regex(/^[0-9a-f]{8}$/);

/** One key of the trusted set: `env` = AOS_SIGNING_KEY / AOS_RETIRED_VERIFIER_KEYS, `file` = the key set file. */
const TrustedKeyShape = z
  .object({
    status: z.enum(['current', 'retired']),
    source: z.enum(['env', 'file']),
    name: z.string(),
    key_id: KeyId,
    verifier_key: z.string(),
    retired_at: Timestamp.nullable(),
  })
  .strict();

/** The trusted key set every verifier uses: current key first, then retired ones. */
const KeySetShape = z
  .object({ file: z.string().nullable(), keys: z.array(TrustedKeyShape), warnings: z.array(z.string()) })
  .strict();

/** A signing key file that was written (never its secret). */
const KeyFileShape = z.object({ path: z.string(), name: z.string(), key_id: KeyId, verifier_key: z.string() }).strict();

export const KeysShowShape = z
  .object({ key: TrustedKeyShape.extend({ path: z.string().nullable() }).strict(), key_set: KeySetShape })
  .strict();

export const KeysGenerateShape = z
  .object({ key: KeyFileShape, key_set: KeySetShape, warnings: z.array(z.string()) })
  .strict();

export const KeysRotateShape = z
  .object({
    key: KeyFileShape,
    retired: z
      .object({
        name: z.string(),
        key_id: KeyId,
        verifier_key: z.string(),
        retired_at: Timestamp,
        backup_path: z.string(),
      })
      .strict(),
    key_set: KeySetShape,
  })
  .strict();

export const QuotaShapeDoc = BudgetViewSchema;

export const AuditShape = z
  .object({
    tenant_id: z.string().nullable(),
    trusted_keys: z.array(
      z
        .object({
          verifier_key: z.string(),
          source: z.enum(['env', 'file', 'flag']),
          status: z.enum(['current', 'retired']).nullable(),
          retired_at: Timestamp.nullable(),
        })
        .strict(),
    ),
    checked: z.number().int(),
    verified: z.number().int(),
    failed: z.number().int(),
    unsealed: z.number().int(),
    traces: z.number().int(),
    runs_expecting_trace: z.number().int(),
    stale_after_ms: z.number().int(),
    failures: z.array(
      z
        .object({
          run_id: z.string(),
          tenant_id: z.string(),
          trace_id: z.string(),
          reason: z.string(),
          first_divergent_step: z.number().int().nullable(),
        })
        .strict(),
    ),
    /** Every tenant log checked, as re-derived from its leaves (root null when a leaf is missing). */
    logs: z.array(
      z
        .object({
          tenant_id: z.string(),
          leaves: z.number().int(),
          tree_size: z.number().int().nullable(),
          checkpoints: z.number().int(),
          root_hash: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .nullable(),
        })
        .strict(),
    ),
    /** Sealed traces waiting for the sequencer for less than stale_after_ms (not findings). */
    log_queued: z.number().int(),
    /** Everything that makes the audit fail (exit 5), verification failures included. */
    findings: z.array(
      z
        .object({
          kind: z.enum(AUDIT_FINDING_KINDS),
          run_id: z.string().optional(),
          trace_id: z.string().optional(),
          tenant_id: z.string().optional(),
          log_index: z.number().int().optional(),
          message: z.string(),
        })
        .strict(),
    ),
    duration_ms: z.number(),
  })
  .strict();

export const RecoverShape = z
  .object({
    older_than_ms: z.number(),
    tenant_id: z.string().nullable(),
    recovered: z.array(
      z
        .object({
          run_id: z.string(),
          tenant_id: z.string(),
          status: z.literal('failed'),
          step_count: z.number().int(),
          trace_sealed: z.boolean(),
        })
        .strict(),
    ),
  })
  .strict();

export const WorkerShape = z
  .object({
    executed: z.array(
      z
        .object({
          run_id: z.string(),
          tenant_id: z.string(),
          attempt: z.number().int(),
          status: z.enum(['queued', 'running', 'succeeded', 'failed', 'retry', 'halted']),
          steps_appended: z.number().int(),
          error: z.string().nullable(),
        })
        .strict(),
    ),
    skipped: z.array(z.object({ run_id: z.string(), reason: z.string() }).strict()),
    errors: z.array(
      z.object({ run_id: z.string(), tenant_id: z.string(), error: z.string(), marked_failed: z.boolean() }).strict(),
    ),
    recovered: z
      .object({ requeued: z.array(z.string()), failed: z.array(z.string()), enqueued: z.array(z.string()) })
      .strict(),
  })
  .strict();

export type DemoJson = z.infer<typeof DemoShape>;
export type ListSkillsJson = z.infer<typeof ListSkillsShape>;
export type MigrateJson = z.infer<typeof MigrateShape>;
export type DbRolesSqlJson = z.infer<typeof DbRolesSqlShape>;
export type DbRolesJson = z.infer<typeof DbRolesShape>;
export type KeysShowJson = z.infer<typeof KeysShowShape>;
export type KeysGenerateJson = z.infer<typeof KeysGenerateShape>;
export type KeysRotateJson = z.infer<typeof KeysRotateShape>;
export type KeySetJson = z.infer<typeof KeySetShape>;
export type QuotaJson = z.infer<typeof QuotaShapeDoc>;
export type AuditJson = z.infer<typeof AuditShape>;
export type RecoverJson = z.infer<typeof RecoverShape>;
export type WorkerJson = z.infer<typeof WorkerShape>;

const TenantShape = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['active', 'suspended']),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .strict();

const ApiKeyShape = z
  .object({
    id: z.string().uuid(),
    tenant_id: z.string(),
    prefix: z.string().regex(/^[a-z0-9]{12}$/),
    scopes: z.array(z.enum(['runs:write', 'runs:read', 'proofs:read', 'secrets:write'])).min(1),
    name: z.string(),
    created_at: Timestamp,
    last_used_at: Timestamp.nullable(),
    revoked_at: Timestamp.nullable(),
  })
  .strict();

/** `tenants create|suspend|resume`. */
export const TenantDocShape = z.object({ tenant: TenantShape }).strict();
/** `tenants list`. */
export const TenantsDocShape = z.object({ tenants: z.array(TenantShape) }).strict();
/** `api-keys create`: `key` is the secret, printed this once. */
export const ApiKeyCreatedShape = z.object({ api_key: ApiKeyShape, key: z.string().startsWith('aos_') }).strict();
/** `api-keys list`. */
export const ApiKeysDocShape = z.object({ api_keys: z.array(ApiKeyShape) }).strict();
/** `api-keys revoke`. */
export const ApiKeyDocShape = z.object({ api_key: ApiKeyShape }).strict();
/** `agents create --shared`. */
export const SharedAgentShape = z
  .object({
    agent: z
      .object({
        id: z.string().uuid(),
        tenant_id: z.null(),
        name: z.string(),
        description: z.string(),
        status: z.enum(['active', 'paused', 'disabled', 'archived']),
        budget_cents: z.number().nullable(),
        spent_cents: z.number(),
        created_at: Timestamp,
        updated_at: Timestamp,
      })
      .strict(),
  })
  .strict();

export type TenantDocJson = z.infer<typeof TenantDocShape>;
export type TenantsDocJson = z.infer<typeof TenantsDocShape>;
export type ApiKeyCreatedJson = z.infer<typeof ApiKeyCreatedShape>;
export type ApiKeysDocJson = z.infer<typeof ApiKeysDocShape>;
export type ApiKeyDocJson = z.infer<typeof ApiKeyDocShape>;
export type SharedAgentJson = z.infer<typeof SharedAgentShape>;
