import {
  describeZodError,
  PROOF_BUNDLE_FORMAT,
  ProofBundleOutlineSchema,
  type ProofBundleOutline,
  type BundleLeaf,
  type BundleRun,
  type BundleTrace,
  type ProofBundle,
  type StepRecord,
} from './bundle-schema';
import { ISO_MILLIS_UTC, type JsonValue } from './step-envelope';
import type { VerifierKey } from './note-key';
import { verifyLogReceipt, type LogInclusion, type LogReceipt } from './tenant-log';
import type { WitnessPolicy } from './witness-policy';
import type { NoteVerification } from './signed-note';
import {
  openTraceCheck,
  TraceOpening,
  parseTrustedKeys,
  traceVerification,
  verifyCheckpointNote,
  verifyTraceSteps,
  type TraceFailure,
  type TraceVerification,
  type TrustedKeys,
} from './trace-verifier';
import { safeParseSchema } from './zod-error';

/**
 * The outcome of {@link verifyProofBundle}: the same report as for a stored trace.
 *
 * @example
 * ```ts
 * const result: BundleVerification = verifyProofBundle(bundle, { trustedKeys });
 * ```
 */
export interface BundleVerification extends TraceVerification {
  /** Where the run sits in its tenant log, when the receipt verified (`null` otherwise). */
  log_inclusion: LogInclusion | null;
}

/**
 * Options of {@link verifyProofBundle} and {@link verifyStepInclusionProof}.
 *
 * @example
 * ```ts
 * const options: VerifyProofOptions = { trustedKeys: [process.env.AOS_VERIFIER_KEY ?? ''] };
 * ```
 */
export interface VerifyProofOptions {
  /** Verifier keys of the deployments you trust (`name+keyid+base64`, or parsed). */
  trustedKeys: TrustedKeys;
  /**
   * A tenant checkpoint you saved earlier (signed note text): the bundle's receipt must show
   * that its checkpoint extends it (a consistency proof in the receipt).
   */
  logCheckpoint?: string | undefined;
  /** Require this many witness cosignatures on the receipt's checkpoint (`aos-proof verify --policy`). */
  policy?: WitnessPolicy | undefined;
}

/** {@link VerifyProofOptions} with the keys parsed once. */
export interface BundleChecks {
  trustedKeys: readonly VerifierKey[];
  logCheckpoint?: string | undefined;
  policy?: WitnessPolicy | undefined;
}

/** Parses the trusted keys of `options` (throws {@link ProofError} `PROOF_BAD_KEY` for a bad one). */
export function bundleChecks(options: VerifyProofOptions): BundleChecks {
  return {
    trustedKeys: parseTrustedKeys(options.trustedKeys),
    logCheckpoint: options.logCheckpoint,
    policy: options.policy,
  };
}

/**
 * The last check of every bundle verification: a bundle whose trace verified is VERIFIED only
 * when its tenant-log receipt verifies too (SPEC §13); the receipt's failure is the verdict.
 */
export function withReceiptCheck(
  result: TraceVerification,
  outline: Pick<ProofBundleOutline, 'run' | 'trace' | 'receipt'>,
  checks: BundleChecks,
): BundleVerification {
  if (result.verification_status !== 'VERIFIED') return { ...result, log_inclusion: null };
  const inclusion = verifyLogReceipt(outline.receipt, outline, {
    trustedKeys: checks.trustedKeys,
    since: checks.logCheckpoint,
    policy: checks.policy,
  });
  if ('reason' in inclusion) {
    return { ...result, verification_status: 'FAILED', failure_reason: inclusion.reason, log_inclusion: null };
  }
  return { ...result, log_inclusion: inclusion };
}

/**
 * Verifies a proof bundle offline (no database, no network). Checks, in order: the bundle's
 * shape; that its run and trace agree (run id, tenant, plan hash); then everything
 * {@link verifyTraceRecord} checks — plan hash, genesis hash, every step in order, chain
 * length, root hash, Merkle root, and the checkpoint's signature by a trusted key, origin, size
 * and root. VERIFIED only if everything holds; FAILED names the first thing that does not (for
 * a step: `step 3: leaf_hash does not match its contents`). Throws only for a malformed trusted
 * key string ({@link ProofError} `PROOF_BAD_KEY`).
 *
 * @example
 * ```ts
 * const bundle: unknown = JSON.parse(await readFile('bundle.json', 'utf8'));
 * const result = verifyProofBundle(bundle, { trustedKeys: ['aos.local+c0ffee00+AR…'] });
 * console.log(result.verification_status, result.failure_reason);
 * ```
 */
export function verifyProofBundle(bundle: unknown, options: VerifyProofOptions): BundleVerification {
  const checks = bundleChecks(options);
  const opened = openBundleCheck(bundle, checks.trustedKeys);
  if ('verification_status' in opened) return opened;
  const { outline, note, opening } = opened;
  const { trace } = outline;
  if (!(opening instanceof TraceOpening)) return { ...traceVerification(trace, note, opening), log_inclusion: null };
  // Each step's shape is checked in order, so a bad one is named by index.
  const result = verifyTraceSteps(outline.run, trace, note, opening, outline.steps, outline.outcome);
  return withReceiptCheck(result, outline, checks);
}

/** A bundle's parts once its outline (everything but the steps' contents) has been checked. */
export interface OpenedBundle {
  outline: ProofBundleOutline;
  note: NoteVerification | null;
  /** What the steps are checked against, or why the plan, genesis hash or header is wrong. */
  opening: TraceOpening | TraceFailure;
}

/**
 * The checks of a bundle before its steps, shared by {@link verifyProofBundle} and the file
 * verifier: the outline's shape, that its run and trace agree (run id, tenant, plan hash —
 * such a mismatch is the verdict whatever the steps say), the checkpoint's signature, the plan,
 * the genesis hash and the header leaf. Returns the final report when one of the first two fails.
 */
export function openBundleCheck(
  bundle: unknown,
  trustedKeys: readonly VerifierKey[],
): OpenedBundle | BundleVerification {
  const parsed = safeParseSchema(ProofBundleOutlineSchema, bundle);
  if (!parsed.success) {
    return {
      verification_status: 'FAILED',
      failure_reason: `bundle: ${describeZodError(parsed.error)}`,
      first_divergent_step: null,
      signature_valid: false,
      chain_length: null,
      root_hash: null,
      merkle_root: null,
      outcome_unknown_steps: [],
      log_inclusion: null,
    };
  }
  const outline = parsed.data;
  const { run, trace } = outline;
  const note = verifyCheckpointNote(trace, trustedKeys);
  const mismatch =
    run.id !== trace.run_id
      ? 'run.id does not match trace.run_id'
      : run.tenant_id !== trace.tenant_id
        ? 'run.tenant_id does not match trace.tenant_id'
        : run.plan_hash !== trace.plan_hash
          ? 'run.plan_hash does not match trace.plan_hash'
          : null;
  if (mismatch !== null)
    return { ...traceVerification(trace, note, { reason: mismatch, step: null }), log_inclusion: null };
  const loose = looseTimestamp(outline);
  if (loose !== null) {
    const reason = `${loose} is not written as the signed time (ISO-8601 UTC, milliseconds)`;
    return { ...traceVerification(trace, note, { reason, step: null }), log_inclusion: null };
  }
  return { outline, note, opening: openTraceCheck(run, outline.plan, trace, outline.header) };
}

/**
 * The first run or trace time of a bundle not written exactly as it is hashed. Verification
 * compares times as instants, so `…00.9861Z` would pass for the signed `…00.986Z`; a reader
 * would then be shown a value that was never signed.
 */
function looseTimestamp(outline: ProofBundleOutline): string | null {
  const times: [string, string | null][] = [
    ['run.created_at', outline.run.created_at],
    ['run.completed_at', outline.run.completed_at],
    ['trace.started_at', outline.trace.started_at],
    ['trace.completed_at', outline.trace.completed_at],
    ['trace.sealed_at', outline.trace.sealed_at],
  ];
  for (const [field, value] of times) if (value !== null && !ISO_MILLIS_UTC.test(value)) return field;
  return null;
}

/**
 * What {@link createProofBundle} assembles.
 *
 * @example
 * ```ts
 * const input: CreateProofBundleInput = { run, plan, trace, steps, verifierKeyName: key.name };
 * ```
 */
export interface CreateProofBundleInput {
  run: BundleRun;
  plan: JsonValue;
  trace: BundleTrace;
  /** The header and outcome leaves stored with the seal (`null` for an unsealed trace). */
  header: BundleLeaf | null;
  outcome: BundleLeaf | null;
  /** Every step of the trace, ordered by step_index. */
  steps: readonly StepRecord[];
  /** Name of the key that signed the checkpoint, to tell verifiers which key to use. */
  verifierKeyName: string;
  /** Defaults to now. */
  exportedAt?: Date;
  /** The run's tenant-log receipt (`null` while the run is not in its tenant log yet). */
  receipt?: LogReceipt | null;
}

/**
 * Assembles a proof bundle document (`format: "aos.proof-bundle.v2"`) from stored values; it
 * computes nothing, so what it writes is exactly what was stored. Serialise it with
 * `JSON.stringify`.
 *
 * @example
 * ```ts
 * const bundle = createProofBundle({ run, plan, trace, steps, verifierKeyName: key.name });
 * await writeFile('bundle.json', JSON.stringify(bundle));
 * ```
 */
export function createProofBundle(input: CreateProofBundleInput): ProofBundle {
  return {
    format: PROOF_BUNDLE_FORMAT,
    run: input.run,
    plan: input.plan,
    trace: input.trace,
    header: input.header,
    outcome: input.outcome,
    verifier_key_name: input.verifierKeyName,
    exported_at: (input.exportedAt ?? new Date()).toISOString(),
    receipt: input.receipt ?? null,
    steps: [...input.steps],
  };
}
