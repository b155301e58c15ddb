import type { ReplayBehavior, RunStatus, StepStatus, TraceStatus } from '@aos/proof';
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A JSON value as stored in a jsonb column and returned by both drivers. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * jsonb columns are written as JSON text (both drivers then agree on arrays and objects)
 * and read back as parsed values.
 */
type Jsonb<T = JsonValue> = ColumnType<T, string, string>;
type NullableJsonb<T = JsonValue> = ColumnType<T | null, string | null, string | null>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export const AGENT_STATUSES = ['active', 'paused', 'disabled', 'archived'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

export { REPLAY_BEHAVIORS, RUN_STATUSES, STEP_STATUSES, TRACE_STATUSES } from '@aos/proof';
export type { ReplayBehavior, RunStatus, StepStatus, TraceStatus } from '@aos/proof';
export const TERMINAL_RUN_STATUSES = ['succeeded', 'failed', 'halted'] as const satisfies readonly RunStatus[];

export const ALERT_LEVELS = ['warn', 'exceeded', 'critical'] as const;
export type AlertLevel = (typeof ALERT_LEVELS)[number];
export const ALERT_PERIODS = ['request', 'hourly', 'daily', 'run'] as const;
export type AlertPeriod = (typeof ALERT_PERIODS)[number];

export interface AgentsTable {
  id: Generated<string>;
  tenant_id: string | null;
  name: string;
  description: Generated<string>;
  status: ColumnType<AgentStatus, AgentStatus | undefined, AgentStatus>;
  budget_cents: number | null;
  spent_cents: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface RunsTable {
  id: Generated<string>;
  tenant_id: string;
  agent_id: string;
  origin_system_id: string;
  goal: string;
  status: ColumnType<RunStatus, RunStatus | undefined, RunStatus>;
  attempts: Generated<number>;
  max_attempts: Generated<number>;
  error_message: string | null;
  plan_json: NullableJsonb;
  plan_hash: string | null;
  idempotency_key: string | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  next_attempt_at: NullableTimestamp;
  duration_ms: number | null;
  /** Who executes the run now (SPEC §14), the claim's epoch (steps are fenced by it) and when the lease lapses. */
  lease_owner: string | null;
  lease_epoch: Generated<number>;
  lease_expires_at: NullableTimestamp;
}

export interface AosTracesTable {
  trace_id: string;
  run_id: string;
  tenant_id: string;
  agent_id: string | null;
  plan: NullableJsonb;
  plan_hash: string;
  schema_version: Generated<string>;
  status: ColumnType<TraceStatus, TraceStatus | undefined, TraceStatus>;
  started_at: Timestamp;
  completed_at: NullableTimestamp;
  genesis_hash: string;
  root_hash: string | null;
  merkle_root: string | null;
  chain_length: number | null;
  checkpoint: string | null;
  sealed_at: NullableTimestamp;
  header_envelope: NullableJsonb<{ [key: string]: JsonValue }>;
  header_hash: string | null;
  outcome_envelope: NullableJsonb<{ [key: string]: JsonValue }>;
  outcome_hash: string | null;
  metadata: ColumnType<{ [key: string]: JsonValue }, string | undefined, string>;
}

export interface AosTraceStepsTable {
  trace_id: string;
  step_index: number;
  run_id: string;
  tenant_id: string;
  attempt: number;
  lease_epoch: Generated<number>;
  plan_step_id: string | null;
  skill_id: string | null;
  skill_name: string | null;
  skill_version: string | null;
  params: NullableJsonb;
  status: StepStatus;
  outcome_category: string | null;
  outcome_code: string | null;
  outcome_data: NullableJsonb;
  error: string | null;
  cost_cents: number;
  duration_ms: number | null;
  retry_count: number;
  replay_behavior: ReplayBehavior;
  started_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  leaf_hash: string;
  prev_hash: string;
  step_hash: string;
  /** HMAC by the deployment's step key over the step's place and hash: only the runner writes valid ones. */
  step_mac: string | null;
}

export interface TenantQuotasTable {
  tenant_id: string;
  daily_limit_cents: number;
  hourly_limit_cents: number;
  request_limit_cents: number;
  run_limit_cents: number;
  warn_threshold: number;
  hard_limit: boolean;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface CostEventsTable {
  id: Generated<number>;
  tenant_id: string;
  run_id: string | null;
  agent_id: string | null;
  skill: string | null;
  trace_id: string | null;
  step_index: number | null;
  cost_cents: number;
  tokens: number | null;
  model: string | null;
  created_at: Generated<Date>;
}

export interface BudgetAlertsTable {
  id: Generated<number>;
  tenant_id: string;
  run_id: string | null;
  level: AlertLevel;
  period: AlertPeriod;
  message: string;
  spend_cents: number;
  limit_cents: number;
  created_at: Generated<Date>;
}

export interface KvEntriesTable {
  tenant_id: string;
  key: string;
  value: Jsonb;
  expires_at: NullableTimestamp;
  updated_at: Generated<Date>;
}

export interface BudgetReservationsTable {
  id: Generated<number>;
  tenant_id: string;
  run_id: string;
  agent_id: string | null;
  estimate_cents: number;
  created_at: Generated<Date>;
  expires_at: Date;
}

/**
 * A tenant's secret (docs/skills.md, "Tenant secrets in params"): AES-256-GCM ciphertext of the value, never the value. bytea
 * comes back as a Buffer from pg and a Uint8Array from PGlite.
 */
export interface TenantSecretsTable {
  tenant_id: string;
  name: string;
  ciphertext: Uint8Array;
  iv: Uint8Array;
  auth_tag: Uint8Array;
  key_id: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export const TENANT_STATUSES = ['active', 'suspended'] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

/** A tenant of a service deployment (docs/deploy.md). Local mode needs none. */
export interface TenantsTable {
  id: string;
  name: string;
  status: ColumnType<TenantStatus, TenantStatus | undefined, TenantStatus>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** What an API key may do (docs/deploy.md, "API keys"). */
export const API_KEY_SCOPES = ['runs:write', 'runs:read', 'proofs:read', 'secrets:write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** An API key: its SHA-256, never the key. */
export interface ApiKeysTable {
  id: Generated<string>;
  tenant_id: string;
  prefix: string;
  secret_sha256: string;
  scopes: ApiKeyScope[];
  name: Generated<string>;
  created_at: Generated<Date>;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** One leaf of a tenant's transparency log (SPEC §13): a sealed run at a dense index. */
export interface TenantLogLeavesTable {
  tenant_id: string;
  log_index: number;
  run_id: string;
  trace_id: string;
  leaf: Jsonb;
  leaf_hash: string;
  created_at: Generated<Date>;
}

/** The hash of one perfect subtree of a tenant log (level ≥ 1; level 0 is the leaf hash). */
export interface TenantLogNodesTable {
  tenant_id: string;
  level: number;
  node_index: number;
  hash: string;
}

/** A signed tenant checkpoint: every size ever signed is kept. */
export interface TenantLogCheckpointsTable {
  tenant_id: string;
  tree_size: number;
  root_hash: string;
  checkpoint: string;
  created_at: Generated<Date>;
}

/** A witness's cosignature line on a tenant checkpoint. */
export interface TenantLogCosignaturesTable {
  tenant_id: string;
  tree_size: number;
  witness: string;
  signature: string;
  created_at: Generated<Date>;
}

/** A sealed trace waiting for the sequencer (queued by a trigger when it is sealed). */
export interface TenantLogQueueTable {
  trace_id: string;
  tenant_id: string;
  sealed_at: Date;
}

/** Every table of the AOS store, as kysely sees it. */
export interface Database {
  agents: AgentsTable;
  runs: RunsTable;
  aos_traces: AosTracesTable;
  aos_trace_steps: AosTraceStepsTable;
  tenant_quotas: TenantQuotasTable;
  cost_events: CostEventsTable;
  budget_alerts: BudgetAlertsTable;
  kv_entries: KvEntriesTable;
  budget_reservations: BudgetReservationsTable;
  tenant_secrets: TenantSecretsTable;
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  tenant_log_leaves: TenantLogLeavesTable;
  tenant_log_nodes: TenantLogNodesTable;
  tenant_log_checkpoints: TenantLogCheckpointsTable;
  tenant_log_cosignatures: TenantLogCosignaturesTable;
  tenant_log_queue: TenantLogQueueTable;
}

export type Agent = Selectable<AgentsTable>;
export type NewAgent = Insertable<AgentsTable>;
export type Run = Selectable<RunsTable>;
export type NewRun = Insertable<RunsTable>;
export type RunUpdate = Updateable<RunsTable>;
export type Trace = Selectable<AosTracesTable>;
export type TraceStep = Selectable<AosTraceStepsTable>;
export type NewTraceStep = Insertable<AosTraceStepsTable>;
export type TenantQuota = Selectable<TenantQuotasTable>;
export type CostEvent = Selectable<CostEventsTable>;
export type BudgetAlert = Selectable<BudgetAlertsTable>;
