import type { SecretSummary, SetSecretResult } from '../secrets/secret-store';
import type { Agent, Run, TraceStep } from '../db/schema';
import type { RunDetails } from '../queries/run-queries';
import type { AgentView, RunDetailsView, RunView, SecretView, SetSecretOutcome, TraceStepView } from './aos-contract';

// Rows become the facade's plain data here, once: dates become ISO-8601 strings, so what the
// local facade returns is what the HTTP API sends.

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

export function agentView(agent: Agent): AgentView {
  return {
    id: agent.id,
    tenant_id: agent.tenant_id,
    name: agent.name,
    description: agent.description,
    status: agent.status,
    budget_cents: agent.budget_cents,
    spent_cents: agent.spent_cents,
    created_at: agent.created_at.toISOString(),
    updated_at: agent.updated_at.toISOString(),
  };
}

export function runView(run: Run): RunView {
  return {
    id: run.id,
    tenant_id: run.tenant_id,
    agent_id: run.agent_id,
    origin_system_id: run.origin_system_id,
    goal: run.goal,
    status: run.status,
    attempts: run.attempts,
    max_attempts: run.max_attempts,
    error_message: run.error_message,
    plan_hash: run.plan_hash,
    idempotency_key: run.idempotency_key,
    created_at: run.created_at.toISOString(),
    started_at: iso(run.started_at),
    completed_at: iso(run.completed_at),
    next_attempt_at: iso(run.next_attempt_at),
    duration_ms: run.duration_ms,
  };
}

function traceStepView(step: TraceStep): TraceStepView {
  return {
    step_index: step.step_index,
    attempt: step.attempt,
    plan_step_id: step.plan_step_id,
    skill_name: step.skill_name,
    skill_version: step.skill_version,
    params: step.params,
    status: step.status,
    outcome_category: step.outcome_category,
    outcome_code: step.outcome_code,
    outcome_data: step.outcome_data,
    error: step.error,
    cost_cents: step.cost_cents,
    duration_ms: step.duration_ms,
    retry_count: step.retry_count,
    started_at: iso(step.started_at),
    completed_at: iso(step.completed_at),
    leaf_hash: step.leaf_hash,
    prev_hash: step.prev_hash,
    step_hash: step.step_hash,
  };
}

export function runDetailsView({ run, trace, steps, receipt }: RunDetails): RunDetailsView {
  return {
    run: { ...runView(run), plan: run.plan_json },
    trace: trace && {
      trace_id: trace.trace_id,
      status: trace.status as NonNullable<RunDetailsView['trace']>['status'],
      chain_length: trace.chain_length,
      root_hash: trace.root_hash,
      sealed_at: iso(trace.sealed_at),
    },
    steps: steps.map(traceStepView),
    receipt,
  };
}

export function secretView(secret: SecretSummary): SecretView {
  return {
    name: secret.name,
    created_at: secret.created_at.toISOString(),
    updated_at: secret.updated_at.toISOString(),
  };
}

export function setSecretOutcome(result: SetSecretResult): SetSecretOutcome {
  return { secret: secretView(result.secret), created: result.created };
}
