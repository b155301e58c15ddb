import type { ColumnType } from 'kysely';
import type { RunStatus, TraceStatus } from '../vocabulary';

type Stamp = ColumnType<Date, never, never>;
type NullableStamp = ColumnType<Date | null, never, never>;

/**
 * The columns of the AOS store the coordinator reads (docs/proof.md describes the tables). Declared here rather than
 * imported so that `@aos/proof` depends on no other `@aos` package.
 */
export interface ProofTables {
  runs: {
    id: string;
    tenant_id: string;
    agent_id: string;
    origin_system_id: string;
    goal: string;
    idempotency_key: string | null;
    status: RunStatus;
    error_message: string | null;
    attempts: number;
    plan_json: unknown;
    plan_hash: string | null;
    created_at: Stamp;
    completed_at: NullableStamp;
  };
  aos_traces: {
    trace_id: string;
    run_id: string;
    tenant_id: string;
    agent_id: string | null;
    plan: unknown;
    plan_hash: string;
    schema_version: string;
    status: TraceStatus;
    started_at: Stamp;
    completed_at: NullableStamp;
    genesis_hash: string;
    root_hash: string | null;
    merkle_root: string | null;
    chain_length: number | null;
    checkpoint: string | null;
    sealed_at: NullableStamp;
    header_envelope: unknown;
    header_hash: string | null;
    outcome_envelope: unknown;
    outcome_hash: string | null;
    metadata: unknown;
  };
  aos_trace_steps: {
    trace_id: string;
    step_index: number;
    run_id: string;
    tenant_id: string;
    attempt: number;
    lease_epoch: number;
    plan_step_id: string | null;
    skill_id: string | null;
    skill_name: string | null;
    skill_version: string | null;
    params: unknown;
    status: string;
    outcome_category: string | null;
    outcome_code: string | null;
    outcome_data: unknown;
    error: string | null;
    cost_cents: number;
    duration_ms: number | null;
    retry_count: number;
    replay_behavior: string;
    started_at: NullableStamp;
    completed_at: NullableStamp;
    leaf_hash: string;
    prev_hash: string;
    step_hash: string;
  };
  tenant_log_leaves: {
    tenant_id: string;
    log_index: number;
    run_id: string;
    trace_id: string;
    leaf: unknown;
    leaf_hash: string;
  };
  tenant_log_nodes: {
    tenant_id: string;
    level: number;
    node_index: number;
    hash: string;
  };
  tenant_log_checkpoints: {
    tenant_id: string;
    tree_size: number;
    root_hash: string;
    checkpoint: string;
  };
  tenant_log_cosignatures: {
    tenant_id: string;
    tree_size: number;
    witness: string;
    signature: string;
  };
}

/** How a column of {@link ProofTables} is read: the Postgres types its TypeScript type admits. */
export type ProofColumnKind = 'text' | 'number' | 'json' | 'timestamp';

/**
 * Every column of {@link ProofTables} with its kind and whether it may be null, as data, so that
 * core's tests can hold this mirror against the migrated schema. The `satisfies` clause keeps it
 * equal to the interface: a column added to one and not the other fails to compile.
 *
 * @example
 * ```ts
 * PROOF_TABLE_COLUMNS.runs.plan_hash; // { kind: 'text', nullable: true }
 * ```
 */
export const PROOF_TABLE_COLUMNS = {
  runs: {
    id: { kind: 'text', nullable: false },
    tenant_id: { kind: 'text', nullable: false },
    agent_id: { kind: 'text', nullable: false },
    origin_system_id: { kind: 'text', nullable: false },
    goal: { kind: 'text', nullable: false },
    idempotency_key: { kind: 'text', nullable: true },
    status: { kind: 'text', nullable: false },
    error_message: { kind: 'text', nullable: true },
    attempts: { kind: 'number', nullable: false },
    plan_json: { kind: 'json', nullable: true },
    plan_hash: { kind: 'text', nullable: true },
    created_at: { kind: 'timestamp', nullable: false },
    completed_at: { kind: 'timestamp', nullable: true },
  },
  aos_traces: {
    trace_id: { kind: 'text', nullable: false },
    run_id: { kind: 'text', nullable: false },
    tenant_id: { kind: 'text', nullable: false },
    agent_id: { kind: 'text', nullable: true },
    plan: { kind: 'json', nullable: true },
    plan_hash: { kind: 'text', nullable: false },
    schema_version: { kind: 'text', nullable: false },
    status: { kind: 'text', nullable: false },
    started_at: { kind: 'timestamp', nullable: false },
    completed_at: { kind: 'timestamp', nullable: true },
    genesis_hash: { kind: 'text', nullable: false },
    root_hash: { kind: 'text', nullable: true },
    merkle_root: { kind: 'text', nullable: true },
    chain_length: { kind: 'number', nullable: true },
    checkpoint: { kind: 'text', nullable: true },
    sealed_at: { kind: 'timestamp', nullable: true },
    header_envelope: { kind: 'json', nullable: true },
    header_hash: { kind: 'text', nullable: true },
    outcome_envelope: { kind: 'json', nullable: true },
    outcome_hash: { kind: 'text', nullable: true },
    metadata: { kind: 'json', nullable: true },
  },
  aos_trace_steps: {
    trace_id: { kind: 'text', nullable: false },
    step_index: { kind: 'number', nullable: false },
    run_id: { kind: 'text', nullable: false },
    tenant_id: { kind: 'text', nullable: false },
    attempt: { kind: 'number', nullable: false },
    lease_epoch: { kind: 'number', nullable: false },
    plan_step_id: { kind: 'text', nullable: true },
    skill_id: { kind: 'text', nullable: true },
    skill_name: { kind: 'text', nullable: true },
    skill_version: { kind: 'text', nullable: true },
    params: { kind: 'json', nullable: true },
    status: { kind: 'text', nullable: false },
    outcome_category: { kind: 'text', nullable: true },
    outcome_code: { kind: 'text', nullable: true },
    outcome_data: { kind: 'json', nullable: true },
    error: { kind: 'text', nullable: true },
    cost_cents: { kind: 'number', nullable: false },
    duration_ms: { kind: 'number', nullable: true },
    retry_count: { kind: 'number', nullable: false },
    replay_behavior: { kind: 'text', nullable: false },
    started_at: { kind: 'timestamp', nullable: true },
    completed_at: { kind: 'timestamp', nullable: true },
    leaf_hash: { kind: 'text', nullable: false },
    prev_hash: { kind: 'text', nullable: false },
    step_hash: { kind: 'text', nullable: false },
  },
  tenant_log_leaves: {
    tenant_id: { kind: 'text', nullable: false },
    log_index: { kind: 'number', nullable: false },
    run_id: { kind: 'text', nullable: false },
    trace_id: { kind: 'text', nullable: false },
    leaf: { kind: 'json', nullable: false },
    leaf_hash: { kind: 'text', nullable: false },
  },
  tenant_log_nodes: {
    tenant_id: { kind: 'text', nullable: false },
    level: { kind: 'number', nullable: false },
    node_index: { kind: 'number', nullable: false },
    hash: { kind: 'text', nullable: false },
  },
  tenant_log_checkpoints: {
    tenant_id: { kind: 'text', nullable: false },
    tree_size: { kind: 'number', nullable: false },
    root_hash: { kind: 'text', nullable: false },
    checkpoint: { kind: 'text', nullable: false },
  },
  tenant_log_cosignatures: {
    tenant_id: { kind: 'text', nullable: false },
    tree_size: { kind: 'number', nullable: false },
    witness: { kind: 'text', nullable: false },
    signature: { kind: 'text', nullable: false },
  },
} as const satisfies {
  readonly [T in keyof ProofTables]: {
    readonly [C in keyof ProofTables[T]]: { readonly kind: ProofColumnKind; readonly nullable: boolean };
  };
};
