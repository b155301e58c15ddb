import type { Kysely, Selectable } from 'kysely';
import {
  PROOF_BUNDLE_FORMAT,
  STEP_PROOF_FORMAT,
  type BundleLeaf,
  type ProofBundle,
  type StepInclusionProof,
  type StepRecord,
} from '../bundle-schema';
import {
  writeProofBundle,
  type BundleSink,
  type BundleWriteSummary,
  type ProofBundleHeader,
} from '../bundle-file-writer';
import { ProofError } from '../errors';
import { UUID_PATTERN } from '../vocabulary';
import { createInclusionProof } from '../merkle-tree';
import { toStepEnvelope } from '../step-envelope';
import { verifyTraceRecord, type EnvelopeRecord, type TrustedKeys, type TraceVerification } from '../trace-verifier';
import type { ProofTables } from './proof-tables';
import type { RunFacts } from '../run-envelopes';
import type { AuditFinding } from './trace-coverage-audit';
import { readLogPlacement, readRunReceipt } from './tenant-log-reader';
import { verifyLogReceipt, verifyTenantCheckpoint, type LogInclusion, type LogReceipt } from '../tenant-log';
import { parseTrustedKeys } from '../trace-verifier';
import type { WitnessPolicy } from '../witness-policy';

/** Any kysely instance over the AOS store (the caller's; this package opens no connection). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ProofDatabase = Kysely<any>;

type TraceRow = Selectable<ProofTables['aos_traces']>;
type StepRow = Selectable<ProofTables['aos_trace_steps']>;
type RunRow = Selectable<ProofTables['runs']>;

/** `VERIFIED`, `FAILED`, or `UNSUPPORTED` when there is nothing (sealed) to verify. */
export type RunVerificationStatus = 'VERIFIED' | 'FAILED' | 'UNSUPPORTED';

/** The trace of a run, as summarised in a {@link RunProofResult}. */
export interface TraceSummary {
  trace_id: string;
  run_id: string;
  tenant_id: string;
  status: string;
  plan_hash: string;
  genesis_hash: string;
  root_hash: string | null;
  merkle_root: string | null;
  chain_length: number | null;
  started_at: string;
  completed_at: string | null;
  sealed_at: string | null;
}

/** One trace step, as summarised in a {@link RunProofResult}. */
export interface TraceStepSummary {
  step_index: number;
  attempt: number;
  plan_step_id: string | null;
  skill_name: string | null;
  status: string;
  retry_count: number;
  cost_cents: number;
  duration_ms: number | null;
  leaf_hash: string;
  prev_hash: string;
  step_hash: string;
}

/** What {@link getRunProof} returns (docs/cus-cli.md, `proof`). */
export interface RunProofResult {
  run_id: string;
  integrity: {
    model: 'HASH_CHAIN';
    root_hash: string | null;
    merkle_root: string | null;
    chain_length: number | null;
    verification_status: RunVerificationStatus;
    failure_reason: string | null;
    first_divergent_step: number | null;
    signature_valid: boolean;
    /** Steps recorded `started` with no outcome after them: the action may have happened. */
    outcome_unknown_steps: number[];
    /** Where the run sits in its tenant log, when VERIFIED (`null` otherwise). */
    log_inclusion: LogInclusion | null;
  };
  aos_traces: TraceSummary[];
  aos_trace_steps: TraceStepSummary[];
  verified_at: string;
}

/** Options of the coordinator's verifying functions. */
export interface ProofOptions {
  /** Verifier keys (`name+keyid+base64`) whose checkpoint signatures are trusted. */
  trustedKeys: TrustedKeys;
  /** A tenant checkpoint saved earlier: the log must extend it (SPEC §13, customers as witnesses). */
  logCheckpoint?: string | undefined;
  /** Require witness cosignatures on the tenant checkpoint. */
  policy?: WitnessPolicy | undefined;
}

const NO_TRACE = 'No trace found for run';

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

function summarizeTrace(trace: TraceRow): TraceSummary {
  return {
    trace_id: trace.trace_id,
    run_id: trace.run_id,
    tenant_id: trace.tenant_id,
    status: trace.status,
    plan_hash: trace.plan_hash,
    genesis_hash: trace.genesis_hash,
    root_hash: trace.root_hash,
    merkle_root: trace.merkle_root,
    chain_length: trace.chain_length,
    started_at: trace.started_at.toISOString(),
    completed_at: iso(trace.completed_at),
    sealed_at: iso(trace.sealed_at),
  };
}

function summarizeStep(step: StepRow): TraceStepSummary {
  return {
    step_index: step.step_index,
    attempt: step.attempt,
    plan_step_id: step.plan_step_id,
    skill_name: step.skill_name,
    status: step.status,
    retry_count: step.retry_count,
    cost_cents: step.cost_cents,
    duration_ms: step.duration_ms,
    leaf_hash: step.leaf_hash,
    prev_hash: step.prev_hash,
    step_hash: step.step_hash,
  };
}

/** The hashed step record of a stored row; throws PROOF_BAD_VALUE `step <position>: …` when the row cannot form an envelope. */
function toStepRecord(row: StepRow, position: number): StepRecord {
  try {
    return {
      envelope: toStepEnvelope(row),
      leaf_hash: row.leaf_hash,
      prev_hash: row.prev_hash,
      step_hash: row.step_hash,
    };
  } catch (error) {
    throw new ProofError('PROOF_BAD_VALUE', `step ${position}: ${(error as Error).message}`, { cause: error });
  }
}

/** Turns stored step rows into hashed step records; a row that cannot form an envelope is reported by index. */
function toStepRecords(steps: readonly StepRow[]): {
  records: StepRecord[];
  problem: { index: number; reason: string } | null;
} {
  const records: StepRecord[] = [];
  for (const [position, row] of steps.entries()) {
    try {
      records.push(toStepRecord(row, position));
    } catch (error) {
      return { records, problem: { index: position, reason: (error as Error).message } };
    }
  }
  return { records, problem: null };
}

/** The run facts a proof covers, from a run row. */
function runFacts(run: RunRow): RunFacts {
  return {
    id: run.id,
    tenant_id: run.tenant_id,
    agent_id: run.agent_id,
    origin_system_id: run.origin_system_id,
    goal: run.goal,
    idempotency_key: run.idempotency_key,
    created_at: run.created_at,
    status: run.status,
    error_message: run.error_message,
    attempts: run.attempts,
    completed_at: run.completed_at,
  };
}

function storedLeaf(envelope: unknown, hash: string | null): EnvelopeRecord | null {
  return hash === null ? null : { envelope, leaf_hash: hash };
}

/** Why sealing refused a trace, as the sealer recorded it in the trace's metadata. */
function integrityFailure(metadata: unknown): { reason: string; step: number | null } | null {
  const failure = (metadata as { integrity_failure?: { reason?: unknown; step?: unknown } } | null)?.integrity_failure;
  if (failure === undefined || typeof failure.reason !== 'string') return null;
  return { reason: failure.reason, step: typeof failure.step === 'number' ? failure.step : null };
}

/**
 * Verifies one stored trace against its run row and its ordered steps (everything but the
 * tenant log): the shared core of getRunProof, the audit and the log sequencer, which
 * re-verifies every trace before it signs a checkpoint over it.
 *
 * @example
 * ```ts
 * const result = verifyStoredTrace(run, trace, steps, keySet.keys);
 * if (result.verification_status !== 'VERIFIED') console.error(result.failure_reason);
 * ```
 */
export function verifyStoredTrace(
  run: RunRow,
  trace: TraceRow,
  steps: readonly StepRow[],
  trustedKeys: TrustedKeys,
): TraceVerification | { verification_status: 'UNSUPPORTED'; failure_reason: string } {
  const fail = (reason: string, step: number | null = null): TraceVerification => ({
    verification_status: 'FAILED',
    failure_reason: reason,
    first_divergent_step: step,
    signature_valid: false,
    chain_length: trace.chain_length,
    root_hash: trace.root_hash,
    merkle_root: trace.merkle_root,
    outcome_unknown_steps: [],
  });
  if (trace.sealed_at === null || trace.checkpoint === null) {
    if (trace.status === 'running') {
      return {
        verification_status: 'UNSUPPORTED',
        failure_reason: `trace ${trace.trace_id} is not sealed yet (status running)`,
      };
    }
    // Completion and seal are written together, so a finished trace without a seal was refused
    // by the sealer (or had its seal removed): nothing attests it.
    const refused = integrityFailure(trace.metadata);
    return refused
      ? fail(`trace is ${trace.status} but not sealed: sealing refused (${refused.reason})`, refused.step)
      : fail(`trace is ${trace.status} but not sealed: its seal is missing`);
  }
  const { records, problem } = toStepRecords(steps);
  if (problem) return fail(problem.reason, problem.index);
  if (run.plan_hash !== trace.plan_hash) return fail("trace plan_hash does not match the run's plan_hash");
  return verifyTraceRecord({
    run: runFacts(run),
    plan: trace.plan,
    trace,
    header: storedLeaf(trace.header_envelope, trace.header_hash),
    steps: records,
    outcome: storedLeaf(trace.outcome_envelope, trace.outcome_hash),
    trustedKeys,
  });
}

/**
 * Recomputes a run's proof from the stored rows and compares it with the stored hashes and
 * the signed checkpoint (docs/proof.md). VERIFIED only when everything matches; FAILED names the
 * first step or field that does not; UNSUPPORTED when the tenant has no trace for that run
 * (a run of another tenant looks exactly the same) or the trace is not sealed yet.
 *
 * @example
 * ```ts
 * import { getRunProof } from '@aos/proof/postgres'
 * const proof = await getRunProof(db, 'acme', runId, { trustedKeys: [verifierKey] })
 * if (proof.integrity.verification_status !== 'VERIFIED') console.error(proof.integrity.failure_reason)
 * ```
 */
export async function getRunProof(
  db: ProofDatabase,
  tenantId: string,
  runId: string,
  options: ProofOptions,
): Promise<RunProofResult> {
  const tables = db as Kysely<ProofTables>;
  const verifiedAt = new Date().toISOString();
  const unsupported = (
    reason: string,
    traces: TraceSummary[] = [],
    steps: TraceStepSummary[] = [],
  ): RunProofResult => ({
    run_id: runId,
    integrity: {
      model: 'HASH_CHAIN',
      root_hash: traces[0]?.root_hash ?? null,
      merkle_root: traces[0]?.merkle_root ?? null,
      chain_length: traces[0]?.chain_length ?? null,
      verification_status: 'UNSUPPORTED',
      failure_reason: reason,
      first_divergent_step: null,
      signature_valid: false,
      outcome_unknown_steps: [],
      log_inclusion: null,
    },
    aos_traces: traces,
    aos_trace_steps: steps,
    verified_at: verifiedAt,
  });
  if (!isUuid(runId)) return unsupported(NO_TRACE);
  const run = await tables
    .selectFrom('runs')
    .selectAll()
    .where('id', '=', runId)
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  if (!run) return unsupported(NO_TRACE);
  const trace = await tables.selectFrom('aos_traces').selectAll().where('run_id', '=', runId).executeTakeFirst();
  if (!trace) return unsupported(NO_TRACE);
  const steps = await tables
    .selectFrom('aos_trace_steps')
    .selectAll()
    .where('trace_id', '=', trace.trace_id)
    .orderBy('step_index')
    .execute();
  const traceSummaries = [summarizeTrace(trace)];
  const stepSummaries = steps.map(summarizeStep);
  const verified = verifyStoredTrace(run, trace, steps, options.trustedKeys);
  if (verified.verification_status === 'UNSUPPORTED')
    return unsupported(verified.failure_reason, traceSummaries, stepSummaries);
  const logged = await checkLogInclusion(db, run, trace, verified, options);
  if ('unsupported' in logged) return unsupported(logged.unsupported, traceSummaries, stepSummaries);
  const { verification, inclusion } = logged;
  return {
    run_id: runId,
    integrity: {
      model: 'HASH_CHAIN',
      root_hash: trace.root_hash,
      merkle_root: trace.merkle_root,
      chain_length: trace.chain_length,
      verification_status: verification.verification_status,
      failure_reason: verification.failure_reason,
      first_divergent_step: verification.first_divergent_step,
      signature_valid: verification.signature_valid,
      outcome_unknown_steps: verification.outcome_unknown_steps,
      log_inclusion: inclusion,
    },
    aos_traces: traceSummaries,
    aos_trace_steps: stepSummaries,
    verified_at: verifiedAt,
  };
}

/**
 * The tenant-log part of a stored run's verification (SPEC §13): a verified trace must be in its
 * tenant's log with a receipt that verifies (and extends the reader's saved checkpoint). A trace
 * still queued for the sequencer is UNSUPPORTED for now; one neither logged nor queued FAILED.
 */
async function checkLogInclusion(
  db: ProofDatabase,
  run: RunRow,
  trace: TraceRow,
  verification: TraceVerification,
  options: ProofOptions,
): Promise<{ verification: TraceVerification; inclusion: LogInclusion | null } | { unsupported: string }> {
  if (verification.verification_status !== 'VERIFIED') return { verification, inclusion: null };
  const failed = (reason: string) => ({
    verification: { ...verification, verification_status: 'FAILED' as const, failure_reason: reason },
    inclusion: null,
  });
  const placement = await readLogPlacement(db, run.tenant_id, trace.trace_id);
  if (placement.state === 'queued') {
    return {
      unsupported: `trace ${trace.trace_id} is sealed and waiting for its tenant log (the sequencer adds it within a second)`,
    };
  }
  if (placement.state === 'absent') {
    return failed(`tenant log: trace ${trace.trace_id} is sealed but neither in its tenant log nor queued for it`);
  }
  const trusted = parseTrustedKeys(options.trustedKeys);
  const since =
    options.logCheckpoint === undefined
      ? undefined
      : verifyTenantCheckpoint(options.logCheckpoint, trusted, run.tenant_id);
  if (since !== undefined && 'reason' in since) return failed(`saved checkpoint: ${since.reason}`);
  const receipt = await readRunReceipt(db, run.tenant_id, trace.trace_id, { sinceSize: since?.treeSize });
  if (receipt === null) {
    return { unsupported: `trace ${trace.trace_id} is in its tenant log but no checkpoint covers it yet` };
  }
  const inclusion = verifyLogReceipt(
    receipt,
    { run: { id: run.id, tenant_id: run.tenant_id, status: run.status }, trace: summarizeTrace(trace) },
    { trustedKeys: trusted, since: options.logCheckpoint, policy: options.policy },
  );
  if ('reason' in inclusion) return failed(inclusion.reason);
  return { verification, inclusion };
}

function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value.toLowerCase());
}

async function loadSealedTrace(db: ProofDatabase, tenantId: string, runId: string) {
  const tables = db as Kysely<ProofTables>;
  const run = isUuid(runId)
    ? await tables
        .selectFrom('runs')
        .selectAll()
        .where('id', '=', runId)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
    : undefined;
  const trace = run
    ? await tables
        .selectFrom('aos_traces')
        .selectAll()
        .where('run_id', '=', runId)
        .where('tenant_id', '=', tenantId)
        .executeTakeFirst()
    : undefined;
  if (!run || !trace) throw new ProofError('PROOF_NOT_FOUND', `${NO_TRACE} ${runId} of tenant ${tenantId}`);
  // A finished trace without a seal is exported as it is (verification reports it FAILED); a
  // running one has nothing to show yet.
  if (trace.status === 'running') {
    throw new ProofError(
      'PROOF_NOT_SEALED',
      `trace ${trace.trace_id} is not sealed yet (status ${trace.status}); nothing to export`,
    );
  }
  return { run, trace, checkpoint: trace.checkpoint };
}

async function loadSealed(db: ProofDatabase, tenantId: string, runId: string) {
  const sealed = await loadSealedTrace(db, tenantId, runId);
  const steps = await (db as Kysely<ProofTables>)
    .selectFrom('aos_trace_steps')
    .selectAll()
    .where('trace_id', '=', sealed.trace.trace_id)
    .orderBy('step_index')
    .execute();
  return { ...sealed, steps };
}

/** Every field of a bundle but its steps, from the stored run and sealed trace. */
function bundleHeader(
  run: RunRow,
  trace: TraceRow,
  checkpoint: string | null,
  receipt: LogReceipt | null,
): ProofBundleHeader {
  return {
    format: PROOF_BUNDLE_FORMAT,
    run: {
      id: run.id,
      tenant_id: run.tenant_id,
      agent_id: run.agent_id,
      origin_system_id: run.origin_system_id,
      goal: run.goal,
      idempotency_key: run.idempotency_key,
      status: run.status,
      error_message: run.error_message,
      attempts: run.attempts,
      plan_hash: run.plan_hash,
      created_at: run.created_at.toISOString(),
      completed_at: iso(run.completed_at),
    },
    plan: trace.plan as ProofBundle['plan'],
    trace: {
      trace_id: trace.trace_id,
      run_id: trace.run_id,
      tenant_id: trace.tenant_id,
      plan_hash: trace.plan_hash,
      genesis_hash: trace.genesis_hash,
      status: trace.status,
      started_at: trace.started_at.toISOString(),
      completed_at: iso(trace.completed_at),
      root_hash: trace.root_hash,
      merkle_root: trace.merkle_root,
      chain_length: trace.chain_length,
      checkpoint,
      sealed_at: iso(trace.sealed_at),
    },
    header: bundleLeaf(trace.header_envelope, trace.header_hash),
    outcome: bundleLeaf(trace.outcome_envelope, trace.outcome_hash),
    verifier_key_name: checkpoint === null ? 'none' : signerName(checkpoint),
    exported_at: new Date().toISOString(),
    receipt,
  };
}

function bundleLeaf(envelope: unknown, hash: string | null): BundleLeaf | null {
  return hash === null ? null : { envelope: envelope as BundleLeaf['envelope'], leaf_hash: hash };
}

function signerName(checkpoint: string): string {
  const line = checkpoint.split('\n').find((l) => l.startsWith('\u2014 '));
  return line?.split(' ')[1] ?? 'unknown';
}

/**
 * Exports a sealed run as one JSON document (`aos.proof-bundle.v1`) that
 * `verifyProofBundle` / `aos-proof verify` check with no database and no network.
 *
 * @example
 * ```ts
 * const bundle = await exportProofBundle(db, 'acme', runId)
 * writeFileSync('run.proof.json', JSON.stringify(bundle))
 * ```
 */
export async function exportProofBundle(
  db: ProofDatabase,
  tenantId: string,
  runId: string,
  options: ExportOptions = {},
): Promise<ProofBundle> {
  const { run, trace, checkpoint, steps } = await loadSealed(db, tenantId, runId);
  const receipt = await readRunReceipt(db, tenantId, trace.trace_id, { sinceSize: options.sinceSize });
  const header = bundleHeader(run, trace, checkpoint, receipt);
  return { ...header, steps: steps.map((row, position) => toStepRecord(row, position)) };
}

/** Options of the bundle exports. */
export interface ExportOptions {
  /**
   * The size of a tenant checkpoint the reader saved: the receipt then carries a consistency
   * proof from it to the checkpoint it proves the run into.
   */
  sinceSize?: number | undefined;
}

/** Steps read per query by {@link exportProofBundleToFile}. */
export const EXPORT_BATCH_STEPS = 5000;

/**
 * Exports a sealed run's proof bundle (`aos.proof-bundle.v1`) to a file or a writable stream in
 * the streaming layout of `writeProofBundle`, reading the steps a batch at a time (keyset
 * pagination on step_index), so a run of any length is exported in bounded memory. A file
 * appears only once complete. Throws a {@link ProofError}: `PROOF_NOT_FOUND`,
 * `PROOF_NOT_SEALED`, `PROOF_BAD_VALUE` for a stored step that cannot form an envelope,
 * `PROOF_IO` when the file cannot be written.
 *
 * @example
 * ```ts
 * const { steps } = await exportProofBundleToFile(db, 'acme', runId, 'run.proof.json')
 * const result = await verifyProofBundleFile('run.proof.json', { trustedKeys: [verifierKey] })
 * ```
 */
export async function exportProofBundleToFile(
  db: ProofDatabase,
  tenantId: string,
  runId: string,
  target: string | BundleSink,
  options: ExportOptions & { batchSize?: number } = {},
): Promise<BundleWriteSummary> {
  const { run, trace, checkpoint } = await loadSealedTrace(db, tenantId, runId);
  const receipt = await readRunReceipt(db, tenantId, trace.trace_id, { sinceSize: options.sinceSize });
  const batchSize = options.batchSize ?? EXPORT_BATCH_STEPS;
  const tables = db as Kysely<ProofTables>;
  async function* records(): AsyncGenerator<StepRecord> {
    let position = 0;
    let after = -1;
    for (;;) {
      const rows = await tables
        .selectFrom('aos_trace_steps')
        .selectAll()
        .where('trace_id', '=', trace.trace_id)
        .where('step_index', '>', after)
        .orderBy('step_index')
        .limit(batchSize)
        .execute();
      for (const row of rows) yield toStepRecord(row, position++);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < batchSize) return;
      after = last.step_index;
    }
  }
  return writeProofBundle(bundleHeader(run, trace, checkpoint, receipt), records(), target);
}

/**
 * Exports the RFC 9162 inclusion proof of one step of a sealed run (`aos.step-proof.v1`):
 * its envelope, leaf hash, audit path and the signed checkpoint. Verifiable alone with
 * `verifyStepInclusionProof` / `aos-proof verify-step`.
 *
 * @example
 * ```ts
 * const proof = await exportStepInclusionProof(db, 'acme', runId, 2)
 * ```
 */
export async function exportStepInclusionProof(
  db: ProofDatabase,
  tenantId: string,
  runId: string,
  stepIndex: number,
): Promise<StepInclusionProof> {
  const { trace, steps } = await loadSealed(db, tenantId, runId);
  if (trace.checkpoint === null || trace.header_hash === null || trace.outcome_hash === null) {
    throw new ProofError(
      'PROOF_NOT_SEALED',
      `trace ${trace.trace_id} is ${trace.status} but not sealed; no step can be proven`,
    );
  }
  const step = Number.isInteger(stepIndex) ? steps[stepIndex] : undefined;
  if (!step) {
    throw new ProofError(
      'PROOF_BAD_INPUT',
      `step ${stepIndex} does not exist: run ${runId} has steps 0..${steps.length - 1}`,
    );
  }
  // Leaf 0 is the run header and the last leaf the outcome: step i is leaf i + 1.
  const leaves = [trace.header_hash, ...steps.map((s) => s.leaf_hash), trace.outcome_hash];
  return {
    format: STEP_PROOF_FORMAT,
    envelope: toStepEnvelope(step),
    leaf_hash: step.leaf_hash,
    index: stepIndex + 1,
    tree_size: leaves.length,
    audit_path: createInclusionProof(leaves, stepIndex + 1),
    checkpoint: trace.checkpoint,
    verifier_key_name: signerName(trace.checkpoint),
  };
}

/** One trace that did not verify, as reported by {@link auditSealedTraces}. */
export interface AuditFailure {
  run_id: string;
  tenant_id: string;
  trace_id: string;
  failure_reason: string;
  first_divergent_step: number | null;
}

/** Totals of {@link auditSealedTraces}. */
export interface AuditResult {
  checked: number;
  verified: number;
  failed: AuditFailure[];
  /** One `verification_failed` per failure, and one `orphan_trace` per sealed trace whose run row is missing. */
  findings: AuditFinding[];
}

/**
 * Verifies every sealed trace (of one tenant, or all), in batches: one query for a batch of
 * traces, one for all their steps. Reports progress after each batch. A sealed trace whose run
 * row is missing is never skipped: its own record is verified (against its own tenant) and it
 * is reported as an `orphan_trace` finding; `verified` counts records that verify.
 *
 * @example
 * ```ts
 * const { failed } = await auditSealedTraces(db, { trustedKeys: [vkey], onProgress: (n) => console.error(n) })
 * ```
 */
export async function auditSealedTraces(
  db: ProofDatabase,
  options: ProofOptions & {
    tenantId?: string;
    batchSize?: number;
    limit?: number;
    onProgress?: (checked: number, total: number) => void;
  },
): Promise<AuditResult> {
  const tables = db as Kysely<ProofTables>;
  const batchSize = options.batchSize ?? 500;
  let totalQuery = tables
    .selectFrom('aos_traces')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('sealed_at', 'is not', null);
  if (options.tenantId !== undefined) totalQuery = totalQuery.where('tenant_id', '=', options.tenantId);
  const total = Math.min(
    Number((await totalQuery.executeTakeFirstOrThrow()).n),
    options.limit ?? Number.POSITIVE_INFINITY,
  );
  const result: AuditResult = { checked: 0, verified: 0, failed: [], findings: [] };
  let after = '';
  while (result.checked < total) {
    let query = tables
      .selectFrom('aos_traces')
      // A left join: a trace whose run row is gone must be reported, not dropped.
      .leftJoin('runs', 'runs.id', 'aos_traces.run_id')
      .selectAll('aos_traces')
      .where('aos_traces.sealed_at', 'is not', null)
      .where('aos_traces.trace_id', '>', after)
      .orderBy('aos_traces.trace_id')
      .limit(Math.min(batchSize, total - result.checked));
    if (options.tenantId !== undefined) query = query.where('aos_traces.tenant_id', '=', options.tenantId);
    const traces = await query.execute();
    if (traces.length === 0) break;
    const runs = new Map(
      (
        await tables
          .selectFrom('runs')
          .selectAll()
          .where(
            'id',
            'in',
            traces.map((t) => t.run_id),
          )
          .execute()
      ).map((run) => [run.id, run]),
    );
    const steps = await tables
      .selectFrom('aos_trace_steps')
      .selectAll()
      .where(
        'trace_id',
        'in',
        traces.map((t) => t.trace_id),
      )
      .orderBy('trace_id')
      .orderBy('step_index')
      .execute();
    const byTrace = new Map<string, StepRow[]>();
    for (const step of steps) {
      const list = byTrace.get(step.trace_id);
      if (list) list.push(step);
      else byTrace.set(step.trace_id, [step]);
    }
    for (const trace of traces) {
      const run = runs.get(trace.run_id);
      const ids = { run_id: trace.run_id, tenant_id: trace.tenant_id, trace_id: trace.trace_id };
      result.checked += 1;
      if (run === undefined) {
        // Without its run row a trace's header and outcome cannot be checked: the finding is the orphan.
        result.findings.push({
          kind: 'orphan_trace',
          ...ids,
          message: `sealed trace ${trace.trace_id} has no run row: run ${trace.run_id} was deleted`,
        });
        continue;
      }
      const verification = verifyStoredTrace(run, trace, byTrace.get(trace.trace_id) ?? [], options.trustedKeys);
      if (verification.verification_status === 'VERIFIED') result.verified += 1;
      else {
        const failure: AuditFailure = {
          ...ids,
          failure_reason: verification.failure_reason ?? 'unknown',
          first_divergent_step: 'first_divergent_step' in verification ? verification.first_divergent_step : null,
        };
        result.failed.push(failure);
        result.findings.push({ kind: 'verification_failed', ...ids, message: failure.failure_reason });
      }
    }
    after = traces[traces.length - 1]?.trace_id ?? after;
    options.onProgress?.(result.checked, total);
  }
  return result;
}
