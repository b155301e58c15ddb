import { allocBytes, bytesToHex, hexToBytes } from '#platform';

import { ProofError } from './errors';
import { describeValue, isHashHex, sha256Raw } from './sha256-hash';
import {
  assertSize,
  createMemoryTreeReader,
  readRanges,
  readRangesSync,
  splitPoint,
  type LeafRange,
  type TreeNodeReader,
} from './tree-node-reader';

const HASH_BYTES = 32;

/**
 * The RFC 9162 §2.1.4.1 consistency proof from the tree of the first `oldSize` leaves to the
 * tree of the first `newSize`, as hex hashes; empty when the sizes are equal. Requires
 * 0 < oldSize ≤ newSize ≤ leafHashes.length (the empty tree is consistent with every tree and
 * has no proof). Throws a {@link ProofError} `PROOF_BAD_VALUE` for sizes out of range,
 * `PROOF_BAD_HASH` for a malformed leaf hash.
 *
 * @example
 * ```ts
 * const proof = createConsistencyProof(leafHashes, 3, 7);
 * verifyConsistency({ oldSize: 3, newSize: 7, oldRoot, newRoot, proof }); // true
 * ```
 */
export function createConsistencyProof(leafHashes: readonly string[], oldSize: number, newSize: number): string[] {
  assertConsistencySizes(oldSize, newSize);
  if (newSize > leafHashes.length) {
    throw new ProofError('PROOF_BAD_VALUE', `new size ${newSize} exceeds the ${leafHashes.length} leaves given`);
  }
  return readRangesSync(createMemoryTreeReader(leafHashes.slice(0, newSize)), consistencyRanges(oldSize, newSize));
}

/**
 * {@link createConsistencyProof} over stored nodes: O(log n) node reads in one `readNodes`
 * call, so a log answers consistency proofs without touching its leaves.
 *
 * @example
 * ```ts
 * const proof = await readConsistencyProof(reader, savedCheckpoint.treeSize, latest.treeSize);
 * ```
 */
export async function readConsistencyProof(
  reader: TreeNodeReader,
  oldSize: number,
  newSize: number,
): Promise<string[]> {
  assertConsistencySizes(oldSize, newSize);
  return readRanges(reader, consistencyRanges(oldSize, newSize));
}

/**
 * What {@link verifyConsistency} checks.
 *
 * @example
 * ```ts
 * const check: ConsistencyCheck = { oldSize: 3, newSize: 7, oldRoot, newRoot, proof };
 * ```
 */
export interface ConsistencyCheck {
  /** Size of the earlier tree (at least 1). */
  oldSize: number;
  /** Size of the later tree (at least `oldSize`). */
  newSize: number;
  /** Root of the earlier tree as hex. */
  oldRoot: string;
  /** Root of the later tree as hex. */
  newRoot: string;
  /** The consistency proof as hex hashes. */
  proof: readonly string[];
}

/**
 * RFC 9162 §2.1.4.2: true when `proof` shows that the tree of `oldSize` leaves with root
 * `oldRoot` is a prefix of the tree of `newSize` leaves with root `newRoot`. Equal sizes need
 * equal roots and an empty proof; an old size of 0 is never a proof (as in
 * transparency-dev/merkle: callers that accept the empty tree handle it themselves). Anything
 * malformed is simply not a proof: the answer is `false`, never a throw.
 *
 * @example
 * ```ts
 * if (!verifyConsistency({ oldSize: saved.treeSize, newSize: latest.treeSize,
 *   oldRoot: saved.rootHash, newRoot: latest.rootHash, proof })) reject('log forked');
 * ```
 */
export function verifyConsistency(check: ConsistencyCheck): boolean {
  const { oldSize, newSize, oldRoot, newRoot, proof } = check;
  if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(newSize)) return false;
  if (oldSize <= 0 || newSize < oldSize) return false;
  if (!isHashHex(oldRoot) || !isHashHex(newRoot) || !Array.isArray(proof)) return false;
  if (!proof.every((p) => isHashHex(p))) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot === newRoot;
  if (proof.length === 0) return false;
  // Step 2: when the old tree is a perfect subtree, its root is the proof's implicit first node.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : [...proof];
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2;
    sn = Math.floor(sn / 2);
  }
  const scratch = allocBytes(1 + 2 * HASH_BYTES);
  scratch[0] = 0x01;
  const parent = (left: Uint8Array, right: Uint8Array): Uint8Array => {
    scratch.set(left, 1);
    scratch.set(right, 1 + HASH_BYTES);
    return sha256Raw(scratch);
  };
  let fr = hexToBytes(path[0]!);
  let sr = fr;
  for (const hex of path.slice(1)) {
    if (sn === 0) return false;
    const c = hexToBytes(hex);
    if (fn % 2 === 1 || fn === sn) {
      fr = parent(c, fr);
      sr = parent(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = parent(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesToHex(fr) === oldRoot && bytesToHex(sr) === newRoot;
}

/** RFC 9162 §2.1.4.1 SUBPROOF(m, D[0:n], true) as leaf ranges, in proof order. */
function consistencyRanges(oldSize: number, newSize: number): LeafRange[] {
  // Walk down from the root to the node where the old tree ends, remembering the sibling met at
  // each step; the proof lists them bottom-up. That node itself comes first unless the walk only
  // went left: then it is the old tree, whose root the verifier already holds.
  const siblings: LeafRange[] = [];
  let m = oldSize;
  let start = 0;
  let end = newSize;
  let onlyLeft = true;
  while (m !== end - start) {
    const k = splitPoint(end - start);
    if (m <= k) {
      siblings.push([start + k, end]);
      end = start + k;
    } else {
      siblings.push([start, start + k]);
      m -= k;
      start += k;
      onlyLeft = false;
    }
  }
  const proof: LeafRange[] = onlyLeft ? [] : [[start, end]];
  for (let i = siblings.length - 1; i >= 0; i--) proof.push(siblings[i]!);
  return proof;
}

function assertConsistencySizes(oldSize: number, newSize: number): void {
  assertSize(oldSize, 'old size');
  assertSize(newSize, 'new size');
  if (oldSize === 0 || oldSize > newSize) {
    throw new ProofError(
      'PROOF_BAD_VALUE',
      `a consistency proof needs 0 < old size ≤ new size, got old size ${describeValue(oldSize)} and new size ${describeValue(newSize)}`,
    );
  }
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}
