import { allocBytes, bytesToHex, hexToBytes } from '#platform';

import { ProofError } from './errors';
import { describeValue, isHashHex, sha256Into, sha256Raw } from './sha256-hash';

const HASH_BYTES = 32;

/**
 * One node of an RFC 9162 tree that never changes once written: the root of the perfect subtree
 * over leaves `[index · 2^level, (index + 1) · 2^level)`. Level 0 nodes are the leaf hashes.
 * A log stores node (level, index) as soon as its last leaf exists.
 *
 * @example
 * ```ts
 * const id: TreeNodeId = { level: 2, index: 1 }; // the subtree over leaves 4..7
 * ```
 */
export interface TreeNodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * Where proofs read stored subtree hashes from: a database table, tiles, or memory
 * ({@link createMemoryTreeReader}). `readNodes` answers the hashes (64 lowercase hex
 * characters) of the given nodes, in the same order, in one round trip; a proof needs
 * O(log n) of them. It may throw (a missing node is the store's error to report).
 *
 * @example
 * ```ts
 * const reader: TreeNodeReader = {
 *   readNodes: async (ids) => db.selectNodeHashes(tenantId, ids), // your store
 * };
 * const proof = await readConsistencyProof(reader, 10, 17);
 * ```
 */
export interface TreeNodeReader {
  readNodes(ids: readonly TreeNodeId[]): readonly string[] | Promise<readonly string[]>;
}

/**
 * A {@link TreeNodeReader} over leaf hashes held in memory: it hashes every perfect subtree
 * once (≈ n hashes), then answers reads without hashing. Throws a {@link ProofError}
 * `PROOF_BAD_HASH` naming the first malformed leaf hash; a read of a node the leaves do not
 * complete throws `PROOF_BAD_VALUE`.
 *
 * @example
 * ```ts
 * const reader = createMemoryTreeReader(leafHashes);
 * const auditPath = await readInclusionProof(reader, 3, leafHashes.length);
 * ```
 */
export function createMemoryTreeReader(leafHashes: readonly string[]): TreeNodeReader {
  const levels = buildLevels(leafHashes);
  return { readNodes: (ids) => ids.map((id) => memoryNode(levels, id)) };
}

/**
 * The RFC 9162 §2.1.3.1 audit path of leaf `index` in the tree of the first `treeSize` leaves,
 * read from stored nodes: the same hashes as {@link createInclusionProof}, from at most
 * 2·log2(n) node reads in one `readNodes` call. Throws a {@link ProofError} `PROOF_BAD_VALUE`
 * for an index outside the tree, `PROOF_BAD_HASH` when the reader answers something that is not
 * a hash.
 *
 * @example
 * ```ts
 * const proof = await readInclusionProof(reader, leafIndex, checkpoint.treeSize);
 * verifyInclusion({ leafHash, index: leafIndex, treeSize: checkpoint.treeSize, proof, rootHash });
 * ```
 */
export async function readInclusionProof(reader: TreeNodeReader, index: number, treeSize: number): Promise<string[]> {
  assertSize(treeSize, 'tree size');
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new ProofError(
      'PROOF_BAD_VALUE',
      `leaf index ${describeValue(index)} is outside a tree of ${treeSize} leaves`,
    );
  }
  return readRanges(reader, inclusionRanges(index, 0, treeSize));
}

/**
 * The RFC 9162 Merkle Tree Hash of the first `treeSize` leaves, read from stored nodes (at most
 * log2(n) + 1 reads); SHA-256 of nothing for size 0. Throws like {@link readInclusionProof}.
 *
 * @example
 * ```ts
 * const root = await readTreeHash(reader, 17);
 * ```
 */
export async function readTreeHash(reader: TreeNodeReader, treeSize: number): Promise<string> {
  assertSize(treeSize, 'tree size');
  if (treeSize === 0) return bytesToHex(sha256Raw(new Uint8Array(0)));
  const [root] = await readRanges(reader, [[0, treeSize]]);
  return root ?? '';
}

/** A leaf range `[start, end)` whose RFC 9162 Merkle Tree Hash is one proof element. */
export type LeafRange = readonly [start: number, end: number];

/** The largest power of two strictly below `n` (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]) as leaf ranges, leaf to root. */
function inclusionRanges(index: number, lo: number, hi: number): LeafRange[] {
  const path: LeafRange[] = [];
  const stack: LeafRange[] = [];
  let start = lo;
  let end = hi;
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (index < start + k) {
      stack.push([start + k, end]);
      end = start + k;
    } else {
      stack.push([start, start + k]);
      start += k;
    }
  }
  while (stack.length > 0) path.push(stack.pop()!);
  return path;
}

/**
 * The perfect subtrees that make up `[start, end)`, left to right: one per bit of its length,
 * largest first. Every range a proof needs starts at a multiple of the smallest power of two
 * that covers it, so each piece is a stored node; the RFC's hash of the range is the right fold
 * H(p1, H(p2, … pk)).
 */
function rangeNodes([start, end]: LeafRange): TreeNodeId[] {
  const ids: TreeNodeId[] = [];
  let position = start;
  let remaining = end - start;
  let size = 1;
  let level = 0;
  while (size * 2 <= remaining) {
    size *= 2;
    level += 1;
  }
  while (remaining > 0) {
    if (size <= remaining) {
      ids.push({ level, index: position / size });
      position += size;
      remaining -= size;
    }
    size /= 2;
    level -= 1;
  }
  return ids;
}

/**
 * Reads the nodes of every range in one call and folds each range into its hash. Ranges that
 * end inside the tree are single perfect subtrees; only the one along the right edge needs more
 * than one node, so the total stays O(log n).
 */
export async function readRanges(reader: TreeNodeReader, ranges: readonly LeafRange[]): Promise<string[]> {
  const pieces = ranges.map(rangeNodes);
  const ids = pieces.flat();
  const hashes = ids.length === 0 ? [] : await reader.readNodes(ids);
  return foldRanges(pieces, ids, hashes);
}

/** Synchronous {@link readRanges} for a reader known to answer synchronously. */
export function readRangesSync(reader: TreeNodeReader, ranges: readonly LeafRange[]): string[] {
  const pieces = ranges.map(rangeNodes);
  const ids = pieces.flat();
  const hashes = ids.length === 0 ? [] : reader.readNodes(ids);
  if (hashes instanceof Promise)
    throw new ProofError('PROOF_BAD_VALUE', 'the tree node reader must answer synchronously');
  return foldRanges(pieces, ids, hashes);
}

function foldRanges(pieces: readonly TreeNodeId[][], ids: readonly TreeNodeId[], hashes: readonly string[]): string[] {
  if (!Array.isArray(hashes) || hashes.length !== ids.length) {
    throw new ProofError(
      'PROOF_BAD_VALUE',
      `the tree node reader answered ${Array.isArray(hashes) ? hashes.length : 'no'} hashes for ${ids.length} nodes`,
    );
  }
  const scratch = allocBytes(1 + 2 * HASH_BYTES);
  scratch[0] = 0x01;
  let next = 0;
  return pieces.map((piece) => {
    const raw = piece.map((id) => {
      const hash: unknown = hashes[next++];
      if (!isHashHex(hash)) {
        throw new ProofError(
          'PROOF_BAD_HASH',
          `stored node (level ${id.level}, index ${id.index}) is not a hash: ${describeValue(hash)}`,
        );
      }
      return hexToBytes(hash);
    });
    let acc = raw[raw.length - 1]!;
    for (let i = raw.length - 2; i >= 0; i--) {
      scratch.set(raw[i]!, 1);
      scratch.set(acc, 1 + HASH_BYTES);
      acc = sha256Raw(scratch);
    }
    return bytesToHex(acc);
  });
}

function buildLevels(leafHashes: readonly string[]): Uint8Array[] {
  const bad = leafHashes.findIndex((leaf) => !isHashHex(leaf));
  if (bad >= 0) {
    throw new ProofError(
      'PROOF_BAD_HASH',
      `leaf hash ${bad} must be 64 lowercase hex characters, got ${describeValue(leafHashes[bad])}`,
    );
  }
  const levels: Uint8Array[] = [hexToBytes(leafHashes.join(''))];
  const scratch = allocBytes(1 + 2 * HASH_BYTES);
  scratch[0] = 0x01;
  for (;;) {
    const below = levels[levels.length - 1]!;
    const pairs = Math.floor(below.length / (2 * HASH_BYTES));
    if (pairs === 0) break;
    const level = allocBytes(pairs * HASH_BYTES);
    for (let i = 0; i < pairs; i++) {
      scratch.set(below.subarray(2 * i * HASH_BYTES, (2 * i + 2) * HASH_BYTES), 1);
      sha256Into(scratch, level, i * HASH_BYTES);
    }
    levels.push(level);
  }
  return levels;
}

function memoryNode(levels: readonly Uint8Array[], { level, index }: TreeNodeId): string {
  const nodes = levels[level];
  if (nodes === undefined || !Number.isSafeInteger(index) || index < 0 || (index + 1) * HASH_BYTES > nodes.length) {
    throw new ProofError(
      'PROOF_BAD_VALUE',
      `no complete subtree at level ${describeValue(level)}, index ${describeValue(index)}`,
    );
  }
  return bytesToHex(nodes, index * HASH_BYTES, (index + 1) * HASH_BYTES);
}

export function assertSize(size: unknown, label: string): asserts size is number {
  if (!Number.isSafeInteger(size) || (size as number) < 0) {
    throw new ProofError('PROOF_BAD_VALUE', `${label} must be a non-negative integer, got ${describeValue(size)}`);
  }
}
