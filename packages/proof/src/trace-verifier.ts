import { allocBytes, bytesToHex, writeHex } from '#platform';

import type { StepRecord } from './bundle-schema';
import { canonicalize } from './canonical-json';
import { isProofError } from './errors';
import { merkleRootOfLeafBuffer } from './merkle-tree';
import { parseVerifierKey, type VerifierKey } from './note-key';
import { computeGenesisHash, computePlanHash } from './plan-hash';
import { sha256Hex } from './sha256-hash';
import { verifyNote, type NoteVerification } from './signed-note';
import {
  computeEnvelopeHash,
  diffRunHeader,
  diffRunOutcome,
  toRunHeader,
  toRunOutcome,
  type RunFacts,
  type RunHeaderEnvelope,
  type RunOutcomeEnvelope,
  type TraceFacts,
} from './run-envelopes';
import { findStepEnvelopeProblem, toIsoTimestamp, type StepEnvelope, type TimestampInput } from './step-envelope';
import { checkpointOrigin, parseCheckpointBody } from './tlog-checkpoint';

/**
 * The outcomes a verification can have.
 *
 * @example
 * ```ts
 * VERIFICATION_STATUSES.includes(result.verification_status); // true
 * ```
 */
export const VERIFICATION_STATUSES = ['VERIFIED', 'FAILED'] as const;
/**
 * `VERIFIED` or `FAILED`.
 *
 * @example
 * ```ts
 * const ok = (status: VerificationStatus) => status === 'VERIFIED';
 * ```
 */
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/**
 * The stored trace values a verification compares against. Timestamps may be Dates or
 * ISO-8601 strings with a zone.
 *
 * @example
 * ```ts
 * const trace: TraceRecord = await db.selectFrom('aos_traces').selectAll().executeTakeFirstOrThrow();
 * ```
 */
export interface TraceRecord extends TraceFacts {
  /** Seal fields: `null` until the trace is sealed. */
  root_hash: string | null;
  merkle_root: string | null;
  chain_length: number | null;
  checkpoint: string | null;
  /** When given, it must equal completed_at: a trace is sealed in the update that completes it. */
  sealed_at?: TimestampInput;
}

/**
 * A header or outcome envelope as stored or shipped, with its leaf hash.
 *
 * @example
 * ```ts
 * const header: EnvelopeRecord = { envelope: trace.header_envelope, leaf_hash: trace.header_hash };
 * ```
 */
export interface EnvelopeRecord {
  envelope: unknown;
  leaf_hash: string;
}

/**
 * Trusted deployment keys: verifier key strings (`name+keyid+base64`) or parsed keys.
 *
 * @example
 * ```ts
 * const trustedKeys: TrustedKeys = ['aos.local+c0ffee00+AR…', parseVerifierKey(other)];
 * ```
 */
export type TrustedKeys = readonly (string | VerifierKey)[];

/**
 * What {@link verifyTraceRecord} checks.
 *
 * @example
 * ```ts
 * const input: VerifyTraceRecordInput = { run, plan, trace, header, steps, outcome, trustedKeys };
 * ```
 */
export interface VerifyTraceRecordInput {
  /** The run the trace belongs to (its identity, goal and final status). */
  run: RunFacts;
  /** The plan the trace claims to execute. */
  plan: unknown;
  trace: TraceRecord;
  /** The stored header leaf (`null` before the seal: it is then only derived). */
  header: EnvelopeRecord | null;
  /** The trace's steps ordered by step_index. Their shape is checked step by step. */
  steps: readonly StepRecord[];
  /** The stored outcome leaf (`null` before the seal). */
  outcome: EnvelopeRecord | null;
  trustedKeys: TrustedKeys;
}

/**
 * The outcome of verifying a trace. `chain_length`, `root_hash` and `merkle_root` are the
 * values the trace claims (and the signed checkpoint attests when VERIFIED).
 *
 * @example
 * ```ts
 * const { verification_status, failure_reason }: TraceVerification = verifyTraceRecord(input);
 * ```
 */
export interface TraceVerification {
  verification_status: VerificationStatus;
  /** Why it FAILED (the first check that did not hold), `null` when VERIFIED. */
  failure_reason: string | null;
  /** Index of the first step that does not verify, when a step is at fault. */
  first_divergent_step: number | null;
  /** True when the checkpoint carries a valid signature by a trusted key. */
  signature_valid: boolean;
  chain_length: number | null;
  root_hash: string | null;
  merkle_root: string | null;
  /**
   * Steps recorded `started` (commit before act) with no outcome row after them: the action
   * may have happened, and nobody knows its result.
   */
  outcome_unknown_steps: number[];
}

/**
 * The one verification core, shared by bundle verification, the database coordinator and the
 * sealer: recomputes everything from the run, the plan, the trace and its ordered steps, and
 * compares. In order: run and trace ids; plan_hash = hash(plan); plan.goal = the run's goal;
 * the genesis hash; the `run_header` leaf (every field against the run and trace); for every
 * step, its envelope's shape, that it belongs to this trace, step_index = position, that it is
 * a step of the plan with the plan's skill, in plan order, leaf_hash from the envelope,
 * prev_hash and step_hash chained from the genesis hash; that the trace is sealed;
 * chain_length and root_hash; the `run_outcome` leaf (status, error, attempts, times, chain
 * and total cost); merkle_root over header, steps and outcome; and the checkpoint: signed by a
 * trusted key, origin `<that key's name>/<tenant_id>/<run_id>`, tree size n + 2 and root
 * merkle_root. VERIFIED only if everything holds; otherwise FAILED with the first failure
 * (naming the step when a step is at fault). Throws only for a malformed trusted key string
 * ({@link ProofError} `PROOF_BAD_KEY`).
 *
 * @example
 * ```ts
 * const result = verifyTraceRecord({ run, plan, trace, header, steps, outcome, trustedKeys: [verifierKey] });
 * if (result.verification_status === 'FAILED') console.log(result.failure_reason);
 * ```
 */
export function verifyTraceRecord(input: VerifyTraceRecordInput): TraceVerification {
  const trusted = parseTrustedKeys(input.trustedKeys);
  const { run, plan, trace, steps } = input;
  const note = verifyCheckpointNote(trace, trusted);
  const opening = openTraceCheck(run, plan, trace, input.header);
  if (!(opening instanceof TraceOpening)) return traceVerification(trace, note, opening);
  return verifyTraceSteps(run, trace, note, opening, steps, input.outcome);
}

/** Checks steps held in memory, then the seal: the end of every in-memory verification. */
export function verifyTraceSteps(
  run: RunFacts,
  trace: TraceRecord,
  note: NoteVerification | null,
  opening: TraceOpening,
  steps: readonly unknown[],
  outcome: EnvelopeRecord | null,
): TraceVerification {
  const chain = new StepChainCheck(trace, opening, steps.length);
  for (const step of steps) {
    const failure = chain.add(step);
    if (failure !== null) return traceVerification(trace, note, failure, chain);
  }
  return traceVerification(trace, note, checkTraceSeal(run, trace, note, chain, outcome), chain);
}

/** Why a verification FAILED, and the step at fault when there is one. */
export interface TraceFailure {
  reason: string;
  step: number | null;
}

/** Verifies the trace's checkpoint signature once (`null` when the trace has no checkpoint). */
export function verifyCheckpointNote(trace: TraceRecord, trusted: readonly VerifierKey[]): NoteVerification | null {
  return typeof trace.checkpoint === 'string' ? verifyNote(trace.checkpoint, trusted) : null;
}

/** The report of a verification that ended with `failure` (`null`: everything held). */
export function traceVerification(
  trace: TraceRecord,
  note: NoteVerification | null,
  failure: TraceFailure | null,
  chain?: StepChainCheck,
): TraceVerification {
  return {
    verification_status: failure === null ? 'VERIFIED' : 'FAILED',
    failure_reason: failure?.reason ?? null,
    first_divergent_step: failure?.step ?? null,
    signature_valid: note?.valid === true,
    chain_length: trace.chain_length ?? null,
    root_hash: trace.root_hash ?? null,
    merkle_root: trace.merkle_root ?? null,
    outcome_unknown_steps: chain?.outcomeUnknown() ?? [],
  };
}

/** A plan step as the step checks need it: its position and skill. */
interface PlanStepRef {
  position: number;
  skill: string;
}

/** What the checks before the steps established: where the chain starts and what it must follow. */
export class TraceOpening {
  constructor(
    /** The genesis hash: the prev_hash of step 0. */
    readonly genesis: string,
    /** The header leaf hash (leaf 0 of the run's tree). */
    readonly headerLeaf: string,
    /** The plan's steps by step_id. */
    readonly planSteps: ReadonlyMap<string, PlanStepRef>,
  ) {}
}

/**
 * The checks before the steps: run and trace ids, plan_hash = hash(plan), plan.goal, the plan's
 * steps, the genesis hash and the header leaf. Returns what the steps are checked against, or
 * the failure.
 */
export function openTraceCheck(
  run: RunFacts,
  plan: unknown,
  trace: TraceRecord,
  header: EnvelopeRecord | null,
): TraceOpening | TraceFailure {
  const fail = (reason: string): TraceFailure => ({ reason, step: null });
  if (run.id !== trace.run_id) return fail('trace.run_id does not match the run');
  if (run.tenant_id !== trace.tenant_id) return fail('trace.tenant_id does not match the run');
  let planHash: string;
  try {
    planHash = computePlanHash(plan);
  } catch (error) {
    return fail(`plan: ${messageOf(error)}`);
  }
  if (planHash !== trace.plan_hash) return fail('plan_hash does not match the plan');
  const planSteps = readPlanSteps(plan);
  if (typeof planSteps === 'string') return fail(`plan: ${planSteps}`);
  if ((plan as { goal?: unknown }).goal !== run.goal) return fail("plan.goal does not match the run's goal");
  let genesis: string;
  try {
    genesis = computeGenesisHash({
      plan_hash: trace.plan_hash,
      run_id: trace.run_id,
      tenant_id: trace.tenant_id,
      trace_id: trace.trace_id,
    });
  } catch (error) {
    return fail(`trace: ${messageOf(error)}`);
  }
  if (genesis !== trace.genesis_hash) {
    return fail('genesis_hash does not match plan_hash, run_id, tenant_id and trace_id');
  }
  let expected: RunHeaderEnvelope;
  try {
    expected = toRunHeader(run, trace);
  } catch (error) {
    return fail(`run_header: ${messageOf(error)}`);
  }
  const headerLeaf = computeEnvelopeHash(expected);
  if (header !== null) {
    const problem = diffRunHeader(expected, header.envelope);
    if (problem !== null) return fail(problem);
    if (header.leaf_hash !== headerLeaf) return fail('run_header: leaf_hash does not match its contents');
  }
  return new TraceOpening(genesis, headerLeaf, planSteps);
}

function readPlanSteps(plan: unknown): Map<string, PlanStepRef> | string {
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) return 'must be an object';
  const steps = (plan as { steps?: unknown }).steps;
  if (!Array.isArray(steps)) return 'steps must be an array';
  const byId = new Map<string, PlanStepRef>();
  for (const [position, step] of steps.entries()) {
    const { step_id: id, skill } = (step ?? {}) as { step_id?: unknown; skill?: unknown };
    if (typeof id !== 'string' || typeof skill !== 'string') {
      return `steps[${position}] must have a string step_id and skill`;
    }
    if (byId.has(id)) return `steps[${position}].step_id ${JSON.stringify(id)} is not unique`;
    byId.set(id, { position, skill });
  }
  return byId;
}

const OUTCOME_STATUSES: ReadonlySet<string> = new Set(['success', 'failure']);
const STEP_MEMBERS: ReadonlySet<string> = new Set(['envelope', 'leaf_hash', 'prev_hash', 'step_hash']);

/** The first member of a step record other than its envelope and three hashes, or `null`. */
function unknownStepMember(step: object): string | null {
  for (const key in step) if (!STEP_MEMBERS.has(key)) return key;
  return null;
}

/**
 * The per-step rules, applied to the steps of one trace in order: the envelope's shape, that it
 * belongs to this trace, step_index = position, that it executes a plan step with that step's
 * skill in plan order (a later attempt may start again; retries repeat a step), leaf_hash from
 * the envelope, prev_hash and step_hash chained from the genesis hash. A `started` row must be
 * followed by the outcome row of the same plan step, attempt and retry, or it is reported as
 * an unknown outcome. Keeps only the chain head, the running total cost and the raw leaf
 * hashes (for the Merkle root), so a caller may stream the steps.
 */
export class StepChainCheck {
  /** Number of steps checked so far. */
  length = 0;
  /** The step_hash of the last step checked (the genesis hash before the first). */
  head: string;
  /** Sum of the steps' cost_cents, in step order. */
  totalCost = 0;
  // Leaf 0 is the header; step i is leaf i + 1; the outcome is appended at the seal.
  private leafBytes: Uint8Array;
  private readonly link = allocBytes(64);
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastPosition = -1;
  private pendingStart: { index: number; plan_step_id: string; attempt: number | null; retry: number | null } | null =
    null;
  private readonly unknown: number[] = [];

  constructor(
    private readonly trace: TraceRecord,
    private readonly opening: TraceOpening,
    expectedSteps = 0,
  ) {
    this.head = opening.genesis;
    this.leafBytes = allocBytes((Math.max(0, expectedSteps) + 2) * 32);
    writeHex(this.leafBytes, opening.headerLeaf, 0);
  }

  /** The raw leaf hashes of the header and the steps checked so far, 32 bytes each. */
  get leaves(): Uint8Array {
    return this.leafBytes.subarray(0, (this.length + 1) * 32);
  }

  /** Indices of `started` steps with no outcome row after them (so far). */
  outcomeUnknown(): number[] {
    return this.pendingStart === null ? [...this.unknown] : [...this.unknown, this.pendingStart.index];
  }

  /** Every leaf of the run's tree: header, steps and the outcome leaf `outcomeLeaf`. */
  treeLeaves(outcomeLeaf: string): Uint8Array {
    this.ensureCapacity(this.length + 2);
    writeHex(this.leafBytes, outcomeLeaf, (this.length + 1) * 32);
    return this.leafBytes.subarray(0, (this.length + 2) * 32);
  }

  /**
   * Checks the next step. `writtenLeafHash`, when given, is SHA-256(0x00 ‖ the envelope's bytes
   * as a file holds them): when it equals the stored leaf_hash those bytes are the canonical
   * text that was hashed (SHA-256 is collision resistant), so the envelope need not be
   * canonicalised again; otherwise it is.
   */
  add(step: unknown, writtenLeafHash?: string): TraceFailure | null {
    const i = this.length;
    const trace = this.trace;
    const fail = (reason: string): TraceFailure => ({ reason: `step ${i}: ${reason}`, step: i });
    if (typeof step !== 'object' || step === null) return fail('not an object');
    const { envelope, leaf_hash, prev_hash, step_hash } = step as Record<string, unknown>;
    const extra = unknownStepMember(step);
    if (extra !== null) return fail(`unexpected member ${JSON.stringify(extra)}`);
    const shapeProblem = findStepEnvelopeProblem(envelope);
    if (shapeProblem !== null) return fail(shapeProblem);
    const e = envelope as StepEnvelope;
    const foreign =
      e.trace_id !== trace.trace_id
        ? 'trace_id'
        : e.run_id !== trace.run_id
          ? 'run_id'
          : e.tenant_id !== trace.tenant_id
            ? 'tenant_id'
            : null;
    if (foreign !== null) return fail(`envelope.${foreign} does not match the trace`);
    if (e.step_index !== i) return fail(`envelope.step_index is ${e.step_index}, expected ${i}`);
    const planProblem = this.checkPlanOrder(e);
    if (planProblem !== null) return fail(planProblem);
    let leafHash: string;
    if (writtenLeafHash !== undefined && writtenLeafHash === leaf_hash) {
      leafHash = writtenLeafHash;
    } else {
      try {
        // 0x00 ‖ UTF-8(JCS(envelope)): U+0000 is the single byte 0x00 in UTF-8.
        leafHash = sha256Hex(`\u0000${canonicalize(e)}`);
      } catch (error) {
        return fail(`envelope is not canonical JSON: ${messageOf(error)}`);
      }
    }
    if (leaf_hash !== leafHash) return fail('leaf_hash does not match its contents');
    if (prev_hash !== this.head) {
      return fail(`prev_hash does not match ${i === 0 ? 'the genesis hash' : `the step_hash of step ${i - 1}`}`);
    }
    const link = this.link;
    writeHex(link, this.head, 0);
    writeHex(link, leafHash, 32);
    const stepHash = sha256Hex(link);
    if (step_hash !== stepHash) return fail('step_hash does not match prev_hash and leaf_hash');
    this.ensureCapacity(i + 3);
    writeHex(this.leafBytes, leafHash, (i + 1) * 32);
    this.head = stepHash;
    this.totalCost += e.cost_cents ?? 0;
    this.length = i + 1;
    return null;
  }

  /** Plan membership and order, and the pairing of `started` rows with their outcome. */
  private checkPlanOrder(e: StepEnvelope): string | null {
    const id = e.plan_step_id;
    if (id === null) return 'plan_step_id is missing';
    const planned = this.opening.planSteps.get(id);
    if (planned === undefined) return `plan_step_id ${JSON.stringify(id)} is not a step of the plan`;
    if (e.skill_name !== planned.skill) {
      return `skill_name ${JSON.stringify(e.skill_name)} is not the plan's skill ${JSON.stringify(planned.skill)} for ${id}`;
    }
    const attempt = e.attempt ?? 0;
    if (attempt < this.lastAttempt) return `attempt ${attempt} comes after attempt ${this.lastAttempt}`;
    if (attempt === this.lastAttempt && planned.position < this.lastPosition) {
      return `${id} is out of plan order (it comes after a later plan step of attempt ${attempt})`;
    }
    const pending = this.pendingStart;
    if (pending !== null) {
      this.pendingStart = null;
      const isOutcome =
        pending.plan_step_id === id &&
        pending.attempt === e.attempt &&
        pending.retry === e.retry_count &&
        e.status !== null &&
        OUTCOME_STATUSES.has(e.status);
      if (!isOutcome) this.unknown.push(pending.index);
    }
    if (e.status === 'started') {
      this.pendingStart = { index: e.step_index, plan_step_id: id, attempt: e.attempt, retry: e.retry_count };
    }
    this.lastAttempt = attempt;
    this.lastPosition = planned.position;
    return null;
  }

  private ensureCapacity(leaves: number): void {
    if (this.leafBytes.length >= leaves * 32) return;
    const grown = allocBytes(Math.max(this.leafBytes.length * 2, leaves * 32));
    grown.set(this.leafBytes);
    this.leafBytes = grown;
  }
}

/**
 * The outcome leaf the run, trace and checked chain imply. Throws PROOF_BAD_VALUE for a bad
 * timestamp.
 */
export function expectedOutcome(
  run: RunFacts,
  trace: TraceFacts,
  chain: { readonly length: number; readonly head: string; readonly totalCost: number },
): RunOutcomeEnvelope {
  return toRunOutcome(run, trace, {
    chain_length: chain.length,
    root_hash: chain.head,
    total_cost_cents: chain.totalCost,
  });
}

/**
 * The checks after the steps: that the trace is sealed; chain_length and root_hash; unknown
 * outcomes in a run that claims success; the outcome leaf; merkle_root over the n + 2 leaves;
 * and the checkpoint: signed by a trusted key, origin `<that key's name>/<tenant_id>/<run_id>`,
 * tree size n + 2 and root merkle_root.
 */
export function checkTraceSeal(
  run: RunFacts,
  trace: TraceRecord,
  note: NoteVerification | null,
  chain: StepChainCheck,
  outcome: EnvelopeRecord | null,
): TraceFailure | null {
  const n = chain.length;
  const fail = (reason: string, step: number | null = null): TraceFailure => ({ reason, step });
  if (
    trace.root_hash === null ||
    trace.merkle_root === null ||
    trace.chain_length === null ||
    note === null ||
    outcome === null
  ) {
    return fail('trace is not sealed');
  }
  if (trace.chain_length !== n) {
    const divergent = Number.isSafeInteger(trace.chain_length) ? Math.min(n, trace.chain_length) : null;
    return fail(`chain_length is ${trace.chain_length} but the trace has ${n} steps`, divergent);
  }
  if (trace.root_hash !== chain.head) {
    return fail(
      n === 0
        ? 'root_hash does not match the genesis hash of an empty chain'
        : 'root_hash does not match the step_hash of the last step',
    );
  }
  const unknown = chain.outcomeUnknown();
  if (unknown.length > 0 && run.status === 'succeeded') {
    return fail(`step ${unknown[0]}: started with no outcome, yet the run succeeded`, unknown[0] ?? null);
  }
  let expected: RunOutcomeEnvelope;
  try {
    expected = expectedOutcome(run, trace, chain);
  } catch (error) {
    return fail(`run_outcome: ${messageOf(error)}`);
  }
  const problem = diffRunOutcome(expected, outcome.envelope);
  if (problem !== null) return fail(problem);
  let outcomeLeaf: string;
  try {
    outcomeLeaf = computeEnvelopeHash(expected);
  } catch (error) {
    return fail(`run_outcome: ${messageOf(error)}`);
  }
  if (outcome.leaf_hash !== outcomeLeaf) return fail('run_outcome: leaf_hash does not match its contents');
  if (run.completed_at !== undefined && isoOrProblem(run.completed_at) !== expected.completed_at) {
    return fail('run.completed_at does not match the signed completion time of the trace');
  }
  if (trace.sealed_at !== undefined && isoOrProblem(trace.sealed_at) !== expected.completed_at) {
    return fail('trace.sealed_at does not match the signed completion time of the trace');
  }
  const size = n + 2;
  const merkleRoot = bytesToHex(merkleRootOfLeafBuffer(chain.treeLeaves(outcomeLeaf), size));
  if (trace.merkle_root !== merkleRoot) {
    return fail('merkle_root does not match the leaf hashes of the header, the steps and the outcome');
  }

  if (!note.valid) return fail(`checkpoint: ${note.reason ?? 'not valid'}`);
  let checkpoint: ReturnType<typeof parseCheckpointBody>;
  try {
    checkpoint = parseCheckpointBody(note.body);
  } catch (error) {
    return fail(`checkpoint: ${messageOf(error)}`);
  }
  const origins = note.verifiedBy.map((name) => expectedOrigin(name, trace));
  if (!origins.includes(checkpoint.origin)) {
    return fail(
      `checkpoint: origin ${JSON.stringify(checkpoint.origin)} is not ` +
        `${origins.map((origin) => JSON.stringify(origin)).join(' or ')}`,
    );
  }
  if (checkpoint.treeSize !== size) {
    return fail(`checkpoint: tree size ${checkpoint.treeSize} does not match ${size} leaves (chain_length ${n} + 2)`);
  }
  if (checkpoint.rootHash !== merkleRoot) return fail('checkpoint: root hash does not match merkle_root');
  return null;
}

/** Parses verifier key strings once; throws PROOF_BAD_KEY for a malformed one. */
export function parseTrustedKeys(keys: TrustedKeys): VerifierKey[] {
  return keys.map((key) => (typeof key === 'string' ? parseVerifierKey(key) : key));
}

/** The origin a checkpoint signed by key `name` must carry for this run. */
export function expectedOrigin(name: string, ids: { readonly tenant_id: string; readonly run_id: string }): string {
  try {
    return checkpointOrigin(name, ids.tenant_id, ids.run_id);
  } catch {
    // An id that cannot form an origin cannot match the checkpoint's; show the plain form.
    return `${name}/${ids.tenant_id}/${ids.run_id}`;
  }
}

function isoOrProblem(value: TimestampInput): string | null {
  try {
    return toIsoTimestamp(value, 'timestamp');
  } catch {
    return 'invalid';
  }
}

function messageOf(error: unknown): string {
  if (isProofError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
