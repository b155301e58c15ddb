import {
  describeZodError,
  STEP_PROOF_FORMAT,
  StepInclusionProofSchema,
  type StepInclusionProof,
  type StepRecord,
} from './bundle-schema';
import type { VerifyProofOptions } from './bundle-verifier';
import { ProofError } from './errors';
import { computeLeafHash } from './hash-chain';
import { createInclusionProof, verifyInclusion } from './merkle-tree';
import { verifyNote } from './signed-note';
import { parseCheckpointBody } from './tlog-checkpoint';
import { expectedOrigin, parseTrustedKeys, type VerificationStatus } from './trace-verifier';
import { safeParseSchema } from './zod-error';

/**
 * The outcome of {@link verifyStepInclusionProof}.
 *
 * @example
 * ```ts
 * const { verification_status }: StepProofVerification = verifyStepInclusionProof(proof, { trustedKeys });
 * ```
 */
export interface StepProofVerification {
  verification_status: VerificationStatus;
  failure_reason: string | null;
  /** True when the checkpoint carries a valid signature by a trusted key. */
  signature_valid: boolean;
  /** The step's position and the tree it is proven in, as the proof claims them. */
  index: number | null;
  tree_size: number | null;
  leaf_hash: string | null;
  /** The Merkle root in the checkpoint, when it could be read. */
  merkle_root: string | null;
}

/**
 * What {@link createStepInclusionProof} needs.
 *
 * @example
 * ```ts
 * const input: CreateStepInclusionProofInput = { step, leafHashes, checkpoint, verifierKeyName };
 * ```
 */
export interface CreateStepInclusionProofInput {
  /** The step to prove, with its stored hashes. */
  step: StepRecord;
  /** Every leaf hash of the run's tree: the header's, the steps' in order, then the outcome's. */
  leafHashes: readonly string[];
  /** The trace's signed checkpoint. */
  checkpoint: string;
  /** Name of the key that signed the checkpoint. */
  verifierKeyName: string;
}

/**
 * Builds the inclusion proof of one step (`format: "aos.step-proof.v2"`): its envelope and leaf
 * hash, its RFC 9162 audit path in the tree of `leafHashes`, and the signed checkpoint. Throws a
 * {@link ProofError} when the step's leaf hash is not the leaf at its step_index.
 *
 * @example
 * ```ts
 * const proof = createStepInclusionProof({
 *   step: steps[3], leafHashes: [trace.header_hash, ...steps.map((s) => s.leaf_hash), trace.outcome_hash],
 *   checkpoint: trace.checkpoint, verifierKeyName: key.name,
 * });
 * ```
 */
export function createStepInclusionProof(input: CreateStepInclusionProofInput): StepInclusionProof {
  const { step, leafHashes, checkpoint, verifierKeyName } = input;
  // Leaf 0 of a run's tree is its header, so step i is leaf i + 1.
  const index = step.envelope.step_index + 1;
  if (leafHashes[index] !== step.leaf_hash) {
    throw new ProofError(
      'PROOF_BAD_VALUE',
      `step ${index - 1}: its leaf_hash is not leaf ${index} of the ${leafHashes.length} leaf hashes`,
    );
  }
  return {
    format: STEP_PROOF_FORMAT,
    envelope: step.envelope,
    leaf_hash: step.leaf_hash,
    index,
    tree_size: leafHashes.length,
    audit_path: createInclusionProof(leafHashes, index),
    checkpoint,
    verifier_key_name: verifierKeyName,
  };
}

/**
 * Verifies a single-step inclusion proof offline: the proof's shape; that the envelope is the
 * step at `index`; that `leaf_hash` is the envelope's hash; that the checkpoint is signed by a
 * trusted key, names this step's tenant and run under that key's origin, and has `tree_size`
 * leaves; and that the audit path leads from the leaf to the checkpoint's root. VERIFIED only if
 * all hold. Throws only for a malformed trusted key string ({@link ProofError}
 * `PROOF_BAD_KEY`).
 *
 * @example
 * ```ts
 * const result = verifyStepInclusionProof(JSON.parse(text), { trustedKeys: [verifierKey] });
 * ```
 */
export function verifyStepInclusionProof(proof: unknown, options: VerifyProofOptions): StepProofVerification {
  const trustedKeys = parseTrustedKeys(options.trustedKeys);
  const parsed = safeParseSchema(StepInclusionProofSchema, proof);
  if (!parsed.success) {
    return {
      verification_status: 'FAILED',
      failure_reason: `step proof: ${describeZodError(parsed.error)}`,
      signature_valid: false,
      index: null,
      tree_size: null,
      leaf_hash: null,
      merkle_root: null,
    };
  }
  const p = parsed.data;
  const note = verifyNote(p.checkpoint, trustedKeys);
  let checkpointRoot: string | null = null;
  const finish = (reason: string | null): StepProofVerification => ({
    verification_status: reason === null ? 'VERIFIED' : 'FAILED',
    failure_reason: reason,
    signature_valid: note.valid,
    index: p.index,
    tree_size: p.tree_size,
    leaf_hash: p.leaf_hash,
    merkle_root: checkpointRoot,
  });

  if (p.envelope.step_index + 1 !== p.index) {
    return finish(
      `envelope.step_index is ${p.envelope.step_index} but the proof is for leaf ${p.index} (step ${p.index - 1})`,
    );
  }
  // Leaves 0 and tree_size - 1 are the run's header and outcome; steps lie between.
  if (p.index >= p.tree_size - 1) {
    return finish(`index ${p.index} is not a step leaf of a tree of ${p.tree_size} leaves`);
  }
  let leafHash: string;
  try {
    leafHash = computeLeafHash(p.envelope);
  } catch (error) {
    return finish(`envelope is not canonical JSON: ${(error as Error).message}`);
  }
  if (leafHash !== p.leaf_hash) return finish('leaf_hash does not match the envelope');
  if (!note.valid) return finish(`checkpoint: ${note.reason ?? 'not valid'}`);
  let checkpoint: ReturnType<typeof parseCheckpointBody>;
  try {
    checkpoint = parseCheckpointBody(note.body);
  } catch (error) {
    return finish(`checkpoint: ${(error as Error).message}`);
  }
  checkpointRoot = checkpoint.rootHash;
  const origins = note.verifiedBy.map((name) => expectedOrigin(name, p.envelope));
  if (!origins.includes(checkpoint.origin)) {
    return finish(
      `checkpoint: origin ${JSON.stringify(checkpoint.origin)} is not ` +
        `${origins.map((origin) => JSON.stringify(origin)).join(' or ')}`,
    );
  }
  if (checkpoint.treeSize !== p.tree_size) {
    return finish(`checkpoint: tree size ${checkpoint.treeSize} does not match tree_size ${p.tree_size}`);
  }
  const included = verifyInclusion({
    leafHash,
    index: p.index,
    treeSize: p.tree_size,
    proof: p.audit_path,
    rootHash: checkpoint.rootHash,
  });
  if (!included) return finish('audit_path does not lead from the leaf to the checkpoint root');
  return finish(null);
}
