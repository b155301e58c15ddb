import { bytesToHex, concatBytes, hexToBytes } from '#platform';

import { assertSize, type TreeNodeId } from './tree-node-reader';
import { sha256Raw } from './sha256-hash';

const NODE_PREFIX = Uint8Array.of(0x01);

/** A stored tree node with its hash, as {@link TreeFrontier.append} completes it. */
export interface TreeNode extends TreeNodeId {
  /** 64 lowercase hex characters. */
  readonly hash: string;
}

/**
 * The right edge of an RFC 9162 tree: its perfect subtrees, one per set bit of its size, largest
 * first. Enough to append leaves (each append names the stored nodes it completes) and to give
 * the root at any size, in O(log n) memory — what a log's sequencer and its auditor both need.
 *
 * @example
 * ```ts
 * const frontier = TreeFrontier.empty();
 * for (const leafHash of leafHashes) frontier.append(leafHash);
 * frontier.root(); // merkleTreeHash(leafHashes)
 * ```
 */
export class TreeFrontier {
  private readonly nodes: { level: number; index: number; hash: Uint8Array }[];
  private leaves: number;

  private constructor(size: number, nodes: { level: number; index: number; hash: Uint8Array }[]) {
    this.leaves = size;
    this.nodes = nodes;
  }

  /** The frontier of an empty tree. */
  static empty(): TreeFrontier {
    return new TreeFrontier(0, []);
  }

  /**
   * The nodes whose hashes make up the frontier of a tree of `size` leaves, largest first: read
   * them from the store, then {@link TreeFrontier.from}.
   *
   * @example
   * ```ts
   * TreeFrontier.idsFor(6); // [{ level: 2, index: 0 }, { level: 1, index: 2 }]
   * ```
   */
  static idsFor(size: number): TreeNodeId[] {
    assertSize(size, 'tree size');
    const ids: TreeNodeId[] = [];
    let start = 0;
    for (let level = 52; level >= 0; level--) {
      const width = 2 ** level;
      if (size - start >= width) {
        ids.push({ level, index: start / width });
        start += width;
      }
    }
    return ids;
  }

  /** The frontier of a tree of `size` leaves from the hashes of {@link TreeFrontier.idsFor}(size), in that order. */
  static from(size: number, hashes: readonly string[]): TreeFrontier {
    const ids = TreeFrontier.idsFor(size);
    return new TreeFrontier(
      size,
      ids.map((id, i) => ({ ...id, hash: hexToBytes(hashes[i] ?? '') })),
    );
  }

  /** Number of leaves so far. */
  get size(): number {
    return this.leaves;
  }

  /**
   * Appends a leaf hash (hex) and returns the perfect subtrees it completes (level ≥ 1), lowest
   * first: the rows a store of subtree nodes adds.
   */
  append(leafHash: string): TreeNode[] {
    const completed: TreeNode[] = [];
    this.nodes.push({ level: 0, index: this.leaves, hash: hexToBytes(leafHash) });
    this.leaves++;
    for (;;) {
      const right = this.nodes[this.nodes.length - 1];
      const left = this.nodes[this.nodes.length - 2];
      if (right === undefined || left === undefined || left.level !== right.level) break;
      this.nodes.splice(-2, 2);
      const parent = {
        level: left.level + 1,
        index: left.index / 2,
        hash: sha256Raw(concatBytes(NODE_PREFIX, left.hash, right.hash)),
      };
      this.nodes.push(parent);
      completed.push({ level: parent.level, index: parent.index, hash: bytesToHex(parent.hash) });
    }
    return completed;
  }

  /** The RFC 9162 root of the leaves so far (SHA-256 of nothing for none), as hex. */
  root(): string {
    let root = this.nodes[this.nodes.length - 1]?.hash;
    if (root === undefined) return bytesToHex(sha256Raw(new Uint8Array(0)));
    for (let i = this.nodes.length - 2; i >= 0; i--) {
      root = sha256Raw(concatBytes(NODE_PREFIX, (this.nodes[i] as { hash: Uint8Array }).hash, root));
    }
    return bytesToHex(root);
  }
}
