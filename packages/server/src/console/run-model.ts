import type { RunDetailsView } from '@aos/core/contract';

// One shape for what the run page and the verify page show, read from a proof bundle (what the
// browser verified) or, before the seal, from the run's details. A bundle may be anything a
// file or a server sent, tampered with included, so it is read defensively: a wrong field shows
// as absent, it never breaks the page (the verdict says what is wrong).

export interface StepItem {
  readonly step_index: number;
  readonly attempt: number | null;
  readonly plan_step_id: string | null;
  readonly skill_name: string | null;
  readonly status: string;
  readonly params: unknown;
  readonly outcome_category: string | null;
  readonly outcome_code: string | null;
  readonly outcome_data: unknown;
  readonly error: string | null;
  readonly cost_cents: number | null;
  readonly duration_ms: number | null;
  readonly retry_count: number | null;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly leaf_hash: string | null;
  readonly step_hash: string | null;
}

export interface PlanStepItem {
  readonly step_id: string;
  readonly skill: string;
  readonly description: string;
  readonly params: unknown;
  readonly depends_on: readonly string[];
  readonly on_error: string;
  readonly retry_count: number | null;
}

export interface RunModel {
  readonly id: string;
  readonly tenant_id: string;
  readonly agent_id: string;
  readonly goal: string;
  readonly status: string;
  readonly error_message: string | null;
  readonly attempts: number | null;
  readonly created_at: string | null;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly trace_status: string | null;
  readonly sealed_at: string | null;
  readonly plan: readonly PlanStepItem[];
  readonly planner: string | null;
  readonly steps: readonly StepItem[];
  /** The run's tenant-log receipt as sent (verified only when the verdict says so). */
  readonly receipt: ReceiptItem | null;
}

export interface ReceiptItem {
  readonly log_index: number | null;
  readonly leaf_hash: string | null;
  readonly checkpoint: string | null;
}

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Obj) : {};
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

function planSteps(plan: unknown): PlanStepItem[] {
  return list(obj(plan).steps).map((value, index) => {
    const step = obj(value);
    return {
      step_id: str(step.step_id) ?? `#${index + 1}`,
      skill: str(step.skill) ?? '?',
      description: str(step.description) ?? '',
      params: step.params,
      depends_on: list(step.depends_on).filter((id): id is string => typeof id === 'string'),
      on_error: str(step.on_error) ?? 'abort',
      retry_count: num(step.retry_count),
    };
  });
}

function stepItem(envelope: Obj, hashes: Obj, position: number): StepItem {
  return {
    step_index: num(envelope.step_index) ?? position,
    attempt: num(envelope.attempt),
    plan_step_id: str(envelope.plan_step_id),
    skill_name: str(envelope.skill_name),
    status: str(envelope.status) ?? '?',
    params: envelope.params,
    outcome_category: str(envelope.outcome_category),
    outcome_code: str(envelope.outcome_code),
    outcome_data: envelope.outcome_data,
    error: str(envelope.error),
    cost_cents: num(envelope.cost_cents),
    duration_ms: num(envelope.duration_ms),
    retry_count: num(envelope.retry_count),
    started_at: str(envelope.started_at),
    completed_at: str(envelope.completed_at),
    leaf_hash: str(hashes.leaf_hash),
    step_hash: str(hashes.step_hash),
  };
}

function receiptItem(value: unknown): ReceiptItem | null {
  if (value === null || value === undefined) return null;
  const receipt = obj(value);
  return {
    log_index: num(obj(receipt.leaf).log_index),
    leaf_hash: str(receipt.leaf_hash),
    checkpoint: str(receipt.checkpoint),
  };
}

/** What a proof bundle says about its run (aos.proof-bundle.v2). */
export function runFromBundle(bundle: unknown): RunModel {
  const doc = obj(bundle);
  const run = obj(doc.run);
  const trace = obj(doc.trace);
  const plan = obj(doc.plan);
  return {
    id: str(run.id) ?? '?',
    tenant_id: str(run.tenant_id) ?? '?',
    agent_id: str(run.agent_id) ?? '?',
    goal: str(run.goal) ?? '',
    status: str(run.status) ?? '?',
    error_message: str(run.error_message),
    attempts: num(run.attempts),
    created_at: str(run.created_at),
    started_at: str(trace.started_at),
    completed_at: str(run.completed_at),
    trace_status: str(trace.status),
    sealed_at: str(trace.sealed_at),
    plan: planSteps(plan),
    planner: str(plan.planner),
    steps: list(doc.steps).map((value, index) => {
      const step = obj(value);
      return stepItem(obj(step.envelope), step, index);
    }),
    receipt: receiptItem(doc.receipt),
  };
}

/** What the run's details say (before its seal there is no bundle to verify). */
export function runFromDetails(details: RunDetailsView): RunModel {
  const { run, trace } = details;
  const plan = obj(run.plan);
  return {
    id: run.id,
    tenant_id: run.tenant_id,
    agent_id: run.agent_id,
    goal: run.goal,
    status: run.status,
    error_message: run.error_message,
    attempts: run.attempts,
    created_at: run.created_at,
    started_at: run.started_at,
    completed_at: run.completed_at,
    trace_status: trace?.status ?? null,
    sealed_at: trace?.sealed_at ?? null,
    plan: planSteps(plan),
    planner: str(plan.planner),
    steps: details.steps.map((step, index) => stepItem(step as unknown as Obj, step as unknown as Obj, index)),
    receipt: receiptItem(details.receipt),
  };
}

/** The steps of one plan step, in trace order: every attempt of the run and every retry. */
export interface StepGroup {
  readonly key: string;
  readonly plan: PlanStepItem | null;
  readonly tries: readonly StepItem[];
}

/**
 * Trace steps grouped by plan step, in plan order (then any the plan does not name, in trace
 * order): retries and later attempts of a step sit together.
 */
export function groupSteps(run: RunModel): StepGroup[] {
  const groups = new Map<string, StepItem[]>();
  for (const step of run.steps) {
    const key = step.plan_step_id ?? `step ${step.step_index}`;
    const tries = groups.get(key) ?? [];
    tries.push(step);
    groups.set(key, tries);
  }
  const planned = run.plan.filter((step) => groups.has(step.step_id));
  const others = [...groups.keys()].filter((key) => !run.plan.some((step) => step.step_id === key));
  return [
    ...planned.map((step) => ({ key: step.step_id, plan: step, tries: groups.get(step.step_id) ?? [] })),
    ...others.map((key) => ({ key, plan: null, tries: groups.get(key) ?? [] })),
  ];
}

/** Total cost of the steps (the outcome leaf signs the same sum). */
export function totalCost(steps: readonly StepItem[]): number {
  return steps.reduce((sum, step) => sum + (step.cost_cents ?? 0), 0);
}
