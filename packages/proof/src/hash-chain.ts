import { hexToBytes } from '#platform';

import { canonicalize } from './canonical-json';
import { ProofError } from './errors';
import { assertHashHex, sha256Hex, sha256Raw } from './sha256-hash';
import { findStepEnvelopeProblem, type StepEnvelope } from './step-envelope';

// U+0000 encodes to the single byte 0x00 in UTF-8, so prefixing the text hashes
// 0x00 ‖ UTF-8(JCS(envelope)) without building a second buffer.
const LEAF_PREFIX = '\u0000';

/**
 * `leaf_hash` = SHA-256(0x00 ‖ UTF-8(JCS(envelope))): an RFC 9162 Merkle leaf hash of the
 * step's envelope. The envelope is hashed as given (build it with {@link toStepEnvelope}).
 *
 * @example
 * ```ts
 * const leafHash = computeLeafHash(toStepEnvelope(row));
 * ```
 */
export function computeLeafHash(envelope: StepEnvelope): string {
  return sha256Hex(LEAF_PREFIX + canonicalize(envelope));
}

/** {@link computeLeafHash} as 32 raw bytes (the verifier's hot path). */
export function computeLeafHashRaw(envelope: unknown): Uint8Array {
  return sha256Raw(LEAF_PREFIX + canonicalize(envelope));
}

/**
 * `step_hash` = SHA-256(raw(prev_hash) ‖ raw(leaf_hash)), both given and returned as 64
 * lowercase hex characters. Throws a {@link ProofError} `PROOF_BAD_HASH` for anything else.
 *
 * @example
 * ```ts
 * const stepHash = computeStepHash(genesisHash, computeLeafHash(envelope));
 * ```
 */
export function computeStepHash(prevHash: string, leafHash: string): string {
  assertHashHex(prevHash, 'prev_hash');
  assertHashHex(leafHash, 'leaf_hash');
  return sha256Hex(hexToBytes(prevHash + leafHash));
}

/**
 * The three hashes stored with a step.
 *
 * @example
 * ```ts
 * const { leaf_hash, prev_hash, step_hash }: ChainLink = extendChain(head, envelope);
 * ```
 */
export interface ChainLink {
  leaf_hash: string;
  prev_hash: string;
  step_hash: string;
}

/**
 * Appends one step to a chain: checks the envelope's shape, then returns its `leaf_hash`, the
 * given `prev_hash` (the genesis hash for step 0, else the previous `step_hash`) and its
 * `step_hash`. Throws a {@link ProofError} for a malformed envelope or hash.
 *
 * @example
 * ```ts
 * let head = genesisHash;
 * for (const row of rows) {
 *   const link = extendChain(head, toStepEnvelope(row));
 *   head = link.step_hash;
 * }
 * ```
 */
export function extendChain(prevHash: string, envelope: StepEnvelope): ChainLink {
  assertHashHex(prevHash, 'prev_hash');
  const problem = findStepEnvelopeProblem(envelope);
  if (problem !== null) throw new ProofError('PROOF_BAD_VALUE', problem);
  const leafHash = computeLeafHash(envelope);
  return {
    leaf_hash: leafHash,
    prev_hash: prevHash,
    step_hash: sha256Hex(hexToBytes(prevHash + leafHash)),
  };
}
