import { allocBytes, bytesToHex, hexToBytes } from '#platform';

import { ProofError } from './errors';
import { describeValue, isHashHex, sha256Into, sha256Raw } from './sha256-hash';

const HASH_BYTES = 32;
const LOWER_HEX = /^[0-9a-f]*$/;

/**
 * RFC 9162 §2.1.1 Merkle Tree Hash over leaf hashes that are already leaf hashes
 * (SHA-256(0x00 ‖ entry), e.g. {@link computeLeafHash}), each 64 lowercase hex characters.
 * Interior nodes are SHA-256(0x01 ‖ left ‖ right); the empty tree hashes to SHA-256("").
 * Throws a {@link ProofError} `PROOF_BAD_HASH` naming the first malformed leaf.
 *
 * @example
 * ```ts
 * const merkleRoot = merkleTreeHash(steps.map((step) => step.leaf_hash));
 * ```
 */
export function merkleTreeHash(leafHashes: readonly string[]): string {
  return bytesToHex(merkleRootOfLeafBuffer(decodeLeafHashes(leafHashes), leafHashes.length));
}

/**
 * The RFC 9162 §2.1.3.1 audit path of leaf `index` in the tree of `leafHashes`: the sibling
 * subtree hashes from the leaf up to the root, as hex. Throws a {@link ProofError} for a
 * malformed leaf hash or an index outside the tree.
 *
 * @example
 * ```ts
 * const auditPath = createInclusionProof(leafHashes, 3);
 * verifyInclusion({ leafHash: leafHashes[3], index: 3, treeSize: leafHashes.length,
 *   proof: auditPath, rootHash: merkleTreeHash(leafHashes) }); // true
 * ```
 */
export function createInclusionProof(leafHashes: readonly string[], index: number): string[] {
  const size = leafHashes.length;
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new ProofError('PROOF_BAD_VALUE', `leaf index ${describeValue(index)} is outside a tree of ${size} leaves`);
  }
  const level = decodeLeafHashes(leafHashes);
  const path: string[] = [];
  let node = index;
  let width = size;
  // Bottom-up, a level's last node without a sibling moves up unchanged; that yields exactly the
  // RFC's left-balanced tree, and the siblings met on the way up are the audit path.
  while (width > 1) {
    const sibling = node % 2 === 0 ? node + 1 : node - 1;
    if (sibling < width) {
      path.push(bytesToHex(level, sibling * HASH_BYTES, (sibling + 1) * HASH_BYTES));
    }
    width = hashLevelInPlace(level, width);
    node = Math.floor(node / 2);
  }
  return path;
}

/**
 * What {@link verifyInclusion} checks.
 *
 * @example
 * ```ts
 * const check: InclusionCheck = { leafHash, index: 2, treeSize: 5, proof: auditPath, rootHash };
 * ```
 */
export interface InclusionCheck {
  /** The leaf hash (SHA-256(0x00 ‖ entry)) as hex. */
  leafHash: string;
  /** Zero-based position of the leaf. */
  index: number;
  /** Number of leaves in the tree the root belongs to. */
  treeSize: number;
  /** The audit path, leaf to root, as hex. */
  proof: readonly string[];
  /** The tree's root hash as hex. */
  rootHash: string;
}

/**
 * RFC 9162 §2.1.3.2: true when `proof` shows that `leafHash` is leaf `index` of the tree of
 * `treeSize` leaves whose root is `rootHash`. Anything malformed (bad hex, index out of range,
 * a proof too short or too long) is simply not a proof: the answer is `false`, never a throw.
 *
 * @example
 * ```ts
 * if (!verifyInclusion({ leafHash, index, treeSize, proof, rootHash })) reject();
 * ```
 */
export function verifyInclusion(check: InclusionCheck): boolean {
  const { leafHash, index, treeSize, proof, rootHash } = check;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(treeSize)) return false;
  if (index < 0 || index >= treeSize) return false;
  if (!isHashHex(leafHash) || !isHashHex(rootHash) || !Array.isArray(proof)) return false;
  const scratch = allocBytes(1 + 2 * HASH_BYTES);
  scratch[0] = 0x01;
  let fn = index;
  let sn = treeSize - 1;
  let r = hexToBytes(leafHash);
  for (const p of proof) {
    if (!isHashHex(p)) return false;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      scratch.set(hexToBytes(p), 1);
      scratch.set(r, 1 + HASH_BYTES);
      r = sha256Raw(scratch);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn /= 2;
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      scratch.set(r, 1);
      scratch.set(hexToBytes(p), 1 + HASH_BYTES);
      r = sha256Raw(scratch);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesToHex(r) === rootHash;
}

/** Decodes hex leaf hashes into one buffer of `length × 32` bytes. */
function decodeLeafHashes(leafHashes: readonly string[]): Uint8Array {
  const joined = leafHashes.join('');
  if (joined.length !== leafHashes.length * 2 * HASH_BYTES || !LOWER_HEX.test(joined)) {
    const bad = leafHashes.findIndex((leaf) => !isHashHex(leaf));
    throw new ProofError(
      'PROOF_BAD_HASH',
      `leaf hash ${bad} must be 64 lowercase hex characters, got ${describeValue(leafHashes[bad])}`,
    );
  }
  return hexToBytes(joined);
}

/**
 * Merkle Tree Hash of `count` raw 32-byte leaf hashes packed in `leaves`, which it overwrites.
 * Returns a fresh 32-byte buffer.
 */
export function merkleRootOfLeafBuffer(leaves: Uint8Array, count: number): Uint8Array {
  if (count === 0) return sha256Raw(new Uint8Array(0));
  let width = count;
  while (width > 1) width = hashLevelInPlace(leaves, width);
  // A copy: Buffer#slice would return a view of `leaves`, which callers may reuse.
  const root = allocBytes(HASH_BYTES);
  root.set(leaves.subarray(0, HASH_BYTES));
  return root;
}

/**
 * Replaces the first `width` nodes of `level` by their parents (a lone last node moves up
 * unchanged) and returns the new width. Parent i is written over bytes already read.
 */
function hashLevelInPlace(level: Uint8Array, width: number): number {
  const scratch = allocBytes(1 + 2 * HASH_BYTES);
  scratch[0] = 0x01;
  const pairs = Math.floor(width / 2);
  for (let i = 0; i < pairs; i++) {
    scratch.set(level.subarray(2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES), 1);
    sha256Into(scratch, level, i * HASH_BYTES);
  }
  if (width % 2 === 1) {
    level.copyWithin(pairs * HASH_BYTES, (width - 1) * HASH_BYTES, width * HASH_BYTES);
  }
  return pairs + (width % 2);
}
