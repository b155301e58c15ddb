import {
  describeZodError,
  PROOF_BUNDLE_FORMAT,
  ProofBundleOutlineSchema,
  type BundleRun,
  type BundleTrace,
  type ProofBundle,
  type StepRecord,
} from './bundle-schema';
import type { JsonValue } from './step-envelope';
import { parseTrustedKeys, verifyTraceRecord, type TraceVerification, type TrustedKeys } from './trace-verifier';

/**
 * The outcome of {@link verifyProofBundle}: the same report as for a stored trace.
 *
 * @example
 * ```ts
 * const result: BundleVerification = verifyProofBundle(bundle, { trustedKeys });
 * ```
 */
export type BundleVerification = TraceVerification;

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
  const trustedKeys = parseTrustedKeys(options.trustedKeys);
  const parsed = ProofBundleOutlineSchema.safeParse(bundle);
  if (!parsed.success) {
    return {
      verification_status: 'FAILED',
      failure_reason: `bundle: ${describeZodError(parsed.error)}`,
      first_divergent_step: null,
      signature_valid: false,
      chain_length: null,
      root_hash: null,
      merkle_root: null,
    };
  }
  const { run, plan, trace, steps } = parsed.data;
  const mismatch =
    run.id !== trace.run_id
      ? 'run.id does not match trace.run_id'
      : run.tenant_id !== trace.tenant_id
        ? 'run.tenant_id does not match trace.tenant_id'
        : run.plan_hash !== null && run.plan_hash !== trace.plan_hash
          ? 'run.plan_hash does not match trace.plan_hash'
          : null;
  const result = verifyTraceRecord({
    plan,
    trace,
    // Each step's shape is checked by the core, in order, so a bad one is named by index.
    steps: steps as readonly StepRecord[],
    trustedKeys,
  });
  if (mismatch === null) return result;
  return { ...result, verification_status: 'FAILED', failure_reason: mismatch, first_divergent_step: null };
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
  /** Every step of the trace, ordered by step_index. */
  steps: readonly StepRecord[];
  /** Name of the key that signed the checkpoint, to tell verifiers which key to use. */
  verifierKeyName: string;
  /** Defaults to now. */
  exportedAt?: Date;
}

/**
 * Assembles a proof bundle document (`format: "aos.proof-bundle.v1"`) from stored values; it
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
    steps: [...input.steps],
    verifier_key_name: input.verifierKeyName,
    exported_at: (input.exportedAt ?? new Date()).toISOString(),
  };
}
