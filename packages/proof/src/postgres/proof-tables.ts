import type { ColumnType } from 'kysely';

type Stamp = ColumnType<Date, never, never>;
type NullableStamp = ColumnType<Date | null, never, never>;

/**
 * The columns of the AOS store the coordinator reads (SPEC §3.1). Declared here rather than
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
    status: 'queued' | 'running' | 'succeeded' | 'failed' | 'retry' | 'halted';
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
    status: 'running' | 'completed' | 'failed' | 'aborted';
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
}
