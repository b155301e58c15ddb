import { randomUUID } from 'node:crypto';

import {
  computeGenesisHash,
  computePlanHash,
  createInclusionProof,
  createProofBundle,
  LOG_RECEIPT_FORMAT,
  merkleTreeHash,
  proofToBase64,
  sha256Hex,
  signTenantCheckpoint,
  tenantLogLeafFor,
  tenantLogLeafHash,
  TenantLogLeafSchema,
  extendChain,
  sealRunTrace,
  toStepEnvelope,
  type BundleRun,
  type JsonValue,
  type LogReceipt,
  type ProofBundle,
  type TenantLogLeaf,
  type SigningKey,
  type StepRecord,
  type StepRowLike,
} from '../src/index';

/** A plan shaped like the planner's. */
export const SAMPLE_PLAN = {
  plan_id: 'plan-1',
  planner: 'rules',
  planner_version: '1.0.0',
  goal: 'echo hello',
  steps: [
    {
      step_id: 's1',
      skill: 'echo',
      params: { message: 'hello' },
      depends_on: [],
      on_error: 'abort',
      retry_count: 1,
      output_key: 's1',
      description: 'say hello',
    },
  ],
  metadata: {},
} satisfies JsonValue;

type RunStatus = BundleRun['status'];

/** A step's own content (everything but the trace ids and the index). */
export type StepContent = Omit<StepRowLike, 'tenant_id' | 'run_id' | 'trace_id' | 'step_index'>;

export function sampleStepContent(i: number): StepContent {
  return {
    attempt: 1,
    plan_step_id: `s${i + 1}`,
    skill_id: 'echo@1.0.0',
    skill_name: 'echo',
    skill_version: '1.0.0',
    params: { message: `hello ${i}` },
    status: 'success',
    outcome_category: 'ok',
    outcome_code: 'OK',
    outcome_data: { message: `hello ${i}`, n: i * 1.5 },
    error: null,
    cost_cents: 0.25,
    duration_ms: 3.75,
    retry_count: 0,
    replay_behavior: 'execute',
    started_at: new Date(Date.UTC(2026, 1, 9, 18, 12, 0, 986 + i)),
    completed_at: new Date(Date.UTC(2026, 1, 9, 18, 12, 1, 986 + i)),
  };
}

export interface BuiltRun {
  bundle: ProofBundle;
  steps: StepRecord[];
  /** Every leaf of the run's tree: header, steps, outcome. */
  leafHashes: string[];
}

/** A plan with one echo-like step per plan step the contents execute, in order of first use. */
export function planFor(contents: readonly StepContent[], goal = 'echo hello'): JsonValue {
  const steps: JsonValue[] = [];
  const seen = new Set<string>();
  for (const content of contents) {
    const id = String(content.plan_step_id);
    if (seen.has(id)) continue;
    seen.add(id);
    steps.push({ ...SAMPLE_PLAN.steps[0], step_id: id, skill: String(content.skill_name), output_key: id });
  }
  return { ...SAMPLE_PLAN, goal, steps };
}

/** Writes a trace the way the runner does (extendChain per step, then sealRunTrace). */
export function buildSealedRun(options: {
  key: SigningKey;
  contents: readonly StepContent[];
  tenantId?: string;
  runId?: string;
  plan?: JsonValue;
  runStatus?: RunStatus;
}): BuiltRun {
  const tenantId = options.tenantId ?? 'acme';
  const runId = options.runId ?? randomUUID();
  const traceId = `trace_${runId}`;
  const goal = 'echo hello';
  const plan = options.plan ?? planFor(options.contents, goal);
  const planHash = computePlanHash(plan);
  const genesis = computeGenesisHash({
    plan_hash: planHash,
    run_id: runId,
    tenant_id: tenantId,
    trace_id: traceId,
  });
  let head = genesis;
  const steps: StepRecord[] = options.contents.map((content, i) => {
    const envelope = toStepEnvelope({
      lease_epoch: 0,
      ...content,
      tenant_id: tenantId,
      run_id: runId,
      trace_id: traceId,
      step_index: i,
    });
    const link = extendChain(head, envelope);
    head = link.step_hash;
    return { envelope, ...link };
  });
  const run = {
    id: runId,
    tenant_id: tenantId,
    agent_id: randomUUID(),
    origin_system_id: 'cus-cli',
    goal,
    idempotency_key: null as string | null,
    status: options.runStatus ?? 'succeeded',
    error_message: null as string | null,
    attempts: 1,
    plan_hash: planHash,
    created_at: '2026-02-09T18:11:59.000Z',
    completed_at: '2026-02-09T18:13:00.000Z',
  };
  const traceFacts = {
    trace_id: traceId,
    run_id: runId,
    tenant_id: tenantId,
    plan_hash: planHash,
    genesis_hash: genesis,
    status: run.status === 'succeeded' ? ('completed' as const) : ('failed' as const),
    started_at: '2026-02-09T18:12:00.000Z',
    completed_at: '2026-02-09T18:13:00.000Z',
  };
  const sealed = sealRunTrace({ signingKey: options.key, run, plan, trace: traceFacts, steps });
  if (!sealed.ok) throw new Error(`fixture does not seal: ${sealed.failure.reason}`);
  const seal = sealed.seal;
  const bundle = createProofBundle({
    run,
    plan,
    trace: {
      ...traceFacts,
      root_hash: seal.root_hash,
      merkle_root: seal.merkle_root,
      chain_length: seal.chain_length,
      checkpoint: seal.checkpoint,
      sealed_at: '2026-02-09T18:13:00.000Z',
    },
    header: { envelope: { ...seal.header_envelope }, leaf_hash: seal.header_hash },
    outcome: { envelope: { ...seal.outcome_envelope }, leaf_hash: seal.outcome_hash },
    steps,
    verifierKeyName: options.key.name,
    exportedAt: new Date('2026-02-10T00:00:00.000Z'),
  });
  bundle.receipt = receiptFor(bundle, options.key);
  const leafHashes = [seal.header_hash, ...steps.map((step) => step.leaf_hash), seal.outcome_hash];
  return { bundle, steps, leafHashes };
}

/** The tenant-log leaf of a bundle's run at `logIndex`, as the sequencer writes it. */
export function logLeafOf(bundle: ProofBundle, logIndex: number): TenantLogLeaf {
  return TenantLogLeafSchema.parse(tenantLogLeafFor(bundle, logIndex));
}

/**
 * A receipt for the bundle's run as leaf `index` of a tenant log of `size` leaves (the other
 * leaves stand for other runs), signed by `key`, with a consistency proof from `sinceSize`
 * when given. Also returns every leaf hash of that log.
 */
export function receiptFor(
  bundle: ProofBundle,
  key: SigningKey,
  log: { index?: number; size?: number } = {},
): LogReceipt {
  return buildTenantLog(bundle, key, log).receipt;
}

/** {@link receiptFor} with the log's leaf hashes. */
export function buildTenantLog(
  bundle: ProofBundle,
  key: SigningKey,
  log: { index?: number; size?: number } = {},
): { receipt: LogReceipt; leafHashes: string[] } {
  const index = log.index ?? 1;
  const size = log.size ?? 3;
  const leaf = logLeafOf(bundle, index);
  const leafHashes = Array.from({ length: size }, (_, i) =>
    i === index ? tenantLogLeafHash(leaf) : sha256Hex(`other run ${i}`),
  );
  const checkpoint = signTenantCheckpoint(key, bundle.run.tenant_id, size, merkleTreeHash(leafHashes));
  return {
    leafHashes,
    receipt: {
      format: LOG_RECEIPT_FORMAT,
      leaf,
      leaf_hash: tenantLogLeafHash(leaf),
      inclusion_proof: proofToBase64(createInclusionProof(leafHashes, index)),
      checkpoint,
      consistency: null,
    },
  };
}

/** A deep copy through JSON, as a bundle file round trip gives. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
