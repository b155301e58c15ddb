import type { StepRecord } from './bundle-schema';
import { canonicalize } from './canonical-json';
import { isProofError } from './errors';
import { merkleRootOfLeafBuffer } from './merkle-tree';
import { parseVerifierKey, type VerifierKey } from './note-key';
import { computeGenesisHash, computePlanHash } from './plan-hash';
import { sha256Hex } from './sha256-hash';
import { verifyNote, type NoteVerification } from './signed-note';
import { findStepEnvelopeProblem, type StepEnvelope } from './step-envelope';
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
 * The stored trace values a verification compares against.
 *
 * @example
 * ```ts
 * const trace: TraceRecord = await db.selectFrom('aos_traces').selectAll().executeTakeFirstOrThrow();
 * ```
 */
export interface TraceRecord {
  trace_id: string;
  run_id: string;
  tenant_id: string;
  plan_hash: string;
  genesis_hash: string;
  /** Seal fields: `null` until the trace is sealed. */
  root_hash: string | null;
  merkle_root: string | null;
  chain_length: number | null;
  checkpoint: string | null;
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
 * const input: VerifyTraceRecordInput = { plan, trace, steps, trustedKeys };
 * ```
 */
export interface VerifyTraceRecordInput {
  /** The plan the trace claims to execute. */
  plan: unknown;
  trace: TraceRecord;
  /** The trace's steps ordered by step_index. Their shape is checked step by step. */
  steps: readonly StepRecord[];
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
}

/**
 * The one verification core, shared by bundle verification and the database coordinator:
 * recomputes everything from the plan, the trace and its ordered steps, and compares. In order:
 * plan_hash = hash(plan); the genesis hash; for every step, its envelope's shape, that it
 * belongs to this trace, step_index = position, leaf_hash from the envelope, prev_hash and
 * step_hash chained from the genesis hash; that the trace is sealed; chain_length and
 * root_hash; merkle_root over the leaves; and the checkpoint: signed by a trusted key, origin
 * `<that key's name>/<tenant_id>/<run_id>`, tree size n and root merkle_root. VERIFIED only if
 * everything holds; otherwise FAILED with the first failure (naming the step when a step is
 * at fault). Each step is canonicalised and hashed exactly once. Throws only for a malformed
 * trusted key string ({@link ProofError} `PROOF_BAD_KEY`).
 *
 * @example
 * ```ts
 * const result = verifyTraceRecord({ plan, trace, steps, trustedKeys: [verifierKey] });
 * if (result.verification_status === 'FAILED') console.log(result.failure_reason);
 * ```
 */
export function verifyTraceRecord(input: VerifyTraceRecordInput): TraceVerification {
  const trusted = parseTrustedKeys(input.trustedKeys);
  const { plan, trace, steps } = input;
  const note = verifyCheckpointNote(trace, trusted);
  const opening = openTraceCheck(plan, trace);
  if (typeof opening !== 'string') return traceVerification(trace, note, opening);
  return verifyTraceSteps(trace, note, opening, steps);
}

/** Checks steps held in memory from `genesis` on, then the seal: the end of every in-memory verification. */
export function verifyTraceSteps(
  trace: TraceRecord,
  note: NoteVerification | null,
  genesis: string,
  steps: readonly unknown[],
): TraceVerification {
  const chain = new StepChainCheck(trace, genesis, steps.length);
  for (const step of steps) {
    const failure = chain.add(step);
    if (failure !== null) return traceVerification(trace, note, failure);
  }
  return traceVerification(trace, note, checkTraceSeal(trace, note, chain));
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
): TraceVerification {
  return {
    verification_status: failure === null ? 'VERIFIED' : 'FAILED',
    failure_reason: failure?.reason ?? null,
    first_divergent_step: failure?.step ?? null,
    signature_valid: note?.valid === true,
    chain_length: trace.chain_length ?? null,
    root_hash: trace.root_hash ?? null,
    merkle_root: trace.merkle_root ?? null,
  };
}

/**
 * The checks before the steps: plan_hash = hash(plan) and the genesis hash. Returns the genesis
 * hash the chain starts from, or the failure.
 */
export function openTraceCheck(plan: unknown, trace: TraceRecord): string | TraceFailure {
  let planHash: string;
  try {
    planHash = computePlanHash(plan);
  } catch (error) {
    return { reason: `plan: ${messageOf(error)}`, step: null };
  }
  if (planHash !== trace.plan_hash) return { reason: 'plan_hash does not match the plan', step: null };
  let genesis: string;
  try {
    genesis = computeGenesisHash({
      plan_hash: trace.plan_hash,
      run_id: trace.run_id,
      tenant_id: trace.tenant_id,
      trace_id: trace.trace_id,
    });
  } catch (error) {
    return { reason: `trace: ${messageOf(error)}`, step: null };
  }
  if (genesis !== trace.genesis_hash) {
    return { reason: 'genesis_hash does not match plan_hash, run_id, tenant_id and trace_id', step: null };
  }
  return genesis;
}

/**
 * The per-step rules, applied to the steps of one trace in order: the envelope's shape, that it
 * belongs to this trace, step_index = position, leaf_hash from the envelope, prev_hash and
 * step_hash chained from the genesis hash. Keeps only the chain head and the raw leaf hashes
 * (for the Merkle root), so a caller may stream the steps.
 */
export class StepChainCheck {
  /** Number of steps checked so far. */
  length = 0;
  /** The step_hash of the last step checked (the genesis hash before the first). */
  head: string;
  private leafBytes: Buffer;
  private readonly link = Buffer.allocUnsafe(64);

  constructor(
    private readonly trace: TraceRecord,
    genesis: string,
    expectedSteps = 0,
  ) {
    this.head = genesis;
    this.leafBytes = Buffer.allocUnsafe(Math.max(1, expectedSteps) * 32);
  }

  /** The raw leaf hashes of the steps checked so far, 32 bytes each. */
  get leaves(): Buffer {
    return this.leafBytes.subarray(0, this.length * 32);
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
    link.write(this.head, 0, 32, 'hex');
    link.write(leafHash, 32, 32, 'hex');
    const stepHash = sha256Hex(link);
    if (step_hash !== stepHash) return fail('step_hash does not match prev_hash and leaf_hash');
    if (this.leafBytes.length < (i + 1) * 32) {
      const grown = Buffer.allocUnsafe(this.leafBytes.length * 2);
      this.leafBytes.copy(grown);
      this.leafBytes = grown;
    }
    this.leafBytes.write(leafHash, i * 32, 32, 'hex');
    this.head = stepHash;
    this.length = i + 1;
    return null;
  }
}

/**
 * The checks after the steps: that the trace is sealed; chain_length and root_hash; merkle_root
 * over the leaves; and the checkpoint: signed by a trusted key, origin
 * `<that key's name>/<tenant_id>/<run_id>`, tree size n and root merkle_root.
 */
export function checkTraceSeal(
  trace: TraceRecord,
  note: NoteVerification | null,
  chain: { readonly length: number; readonly head: string; readonly leaves: Buffer },
): TraceFailure | null {
  const n = chain.length;
  const fail = (reason: string, step: number | null = null): TraceFailure => ({ reason, step });
  if (trace.root_hash === null || trace.merkle_root === null || trace.chain_length === null || note === null) {
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
  const merkleRoot = merkleRootOfLeafBuffer(chain.leaves, n).toString('hex');
  if (trace.merkle_root !== merkleRoot) return fail('merkle_root does not match the leaf hashes');

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
  if (checkpoint.treeSize !== n) {
    return fail(`checkpoint: tree size ${checkpoint.treeSize} does not match chain_length ${n}`);
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

function messageOf(error: unknown): string {
  if (isProofError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
