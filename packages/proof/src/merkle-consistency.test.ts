import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ProofError } from './errors';
import { createConsistencyProof, readConsistencyProof, verifyConsistency } from './merkle-consistency';
import { createInclusionProof, merkleTreeHash, verifyInclusion } from './merkle-tree';
import { createMemoryTreeReader, readInclusionProof, readTreeHash, type TreeNodeId } from './tree-node-reader';

const leafHashOf = (entryHex: string): string =>
  createHash('sha256')
    .update(Buffer.concat([Buffer.from([0]), Buffer.from(entryHex, 'hex')]))
    .digest('hex');

// github.com/transparency-dev/merkle (commit 417fb0c) testdata/consistency/{1,2,3,4}/happy-path.json
// over the eight standard RFC 6962 test entries of proof/verify_test.go; the hashes there are
// base64, written here as hex. Roots are the ones merkle-tree.test.ts checks against the same source.
const ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const LEAVES = ENTRIES.map(leafHashOf);
const PUBLISHED: { oldSize: number; newSize: number; proof: string[] }[] = [
  {
    oldSize: 1,
    newSize: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    oldSize: 6,
    newSize: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    oldSize: 2,
    newSize: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    oldSize: 6,
    newSize: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const EMPTY_TREE = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const rootOf = (size: number): string => merkleTreeHash(LEAVES.slice(0, size));

function flipBit(hex: string, bit: number): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return bytes.toString('hex');
}

const hashArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString('hex'));
/** A random tree (1..70 leaves) with 0 < m ≤ n ≤ its size. */
const treeArb = fc
  .array(hashArb, { minLength: 1, maxLength: 70 })
  .chain((leaves) =>
    fc
      .integer({ min: 1, max: leaves.length })
      .chain((n) => fc.record({ leaves: fc.constant(leaves), n: fc.constant(n), m: fc.integer({ min: 1, max: n }) })),
  );

describe('createConsistencyProof', () => {
  it.each(PUBLISHED)('reproduces the published proof from $oldSize to $newSize', ({ oldSize, newSize, proof }) => {
    expect(createConsistencyProof(LEAVES, oldSize, newSize)).toEqual(proof);
    expect(verifyConsistency({ oldSize, newSize, oldRoot: rootOf(oldSize), newRoot: rootOf(newSize), proof })).toBe(
      true,
    );
  });

  it('is empty between equal sizes', () => {
    expect(createConsistencyProof(LEAVES, 5, 5)).toEqual([]);
  });

  it('refuses an old size of 0, an old size above the new one, and a new size beyond the leaves', () => {
    for (const [m, n] of [
      [0, 3],
      [4, 3],
      [2, 9],
      [1.5, 3],
    ] as const) {
      expect(() => createConsistencyProof(LEAVES, m, n)).toThrow(ProofError);
    }
  });

  it('for every 0 < m ≤ n in random trees, the proof verifies and equals the one read from stored nodes', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, async ({ leaves, m, n }) => {
        const proof = createConsistencyProof(leaves, m, n);
        const check = {
          oldSize: m,
          newSize: n,
          oldRoot: merkleTreeHash(leaves.slice(0, m)),
          newRoot: merkleTreeHash(leaves.slice(0, n)),
          proof,
        };
        expect(verifyConsistency(check)).toBe(true);
        expect(await readConsistencyProof(createMemoryTreeReader(leaves), m, n)).toEqual(proof);
      }),
      { numRuns: 300 },
    );
  });

  it('checks every pair of sizes of a 33-leaf tree exhaustively', () => {
    const leaves = Array.from({ length: 33 }, (_, i) => leafHashOf(i.toString(16).padStart(2, '0')));
    for (let n = 1; n <= leaves.length; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = createConsistencyProof(leaves, m, n);
        const oldRoot = merkleTreeHash(leaves.slice(0, m));
        const newRoot = merkleTreeHash(leaves.slice(0, n));
        expect(verifyConsistency({ oldSize: m, newSize: n, oldRoot, newRoot, proof })).toBe(true);
      }
    }
  });
});

describe('verifyConsistency', () => {
  it('fails when a leaf, a root, a size or a proof element changes', () => {
    fc.assert(
      fc.property(treeArb, fc.nat(), fc.nat(255), ({ leaves, m, n }, pick, bit) => {
        const proof = createConsistencyProof(leaves, m, n);
        const oldRoot = merkleTreeHash(leaves.slice(0, m));
        const newRoot = merkleTreeHash(leaves.slice(0, n));
        const good = { oldSize: m, newSize: n, oldRoot, newRoot, proof };
        // A changed leaf inside the new tree changes a root the proof must match.
        const changed = [...leaves];
        changed[pick % n] = flipBit(changed[pick % n]!, bit);
        const tamperedOld = merkleTreeHash(changed.slice(0, m));
        const tamperedNew = merkleTreeHash(changed.slice(0, n));
        if (pick % n < m) expect(verifyConsistency({ ...good, oldRoot: tamperedOld })).toBe(false);
        expect(verifyConsistency({ ...good, newRoot: tamperedNew })).toBe(false);
        expect(verifyConsistency({ ...good, oldRoot: flipBit(oldRoot, bit) })).toBe(false);
        expect(verifyConsistency({ ...good, newRoot: flipBit(newRoot, bit) })).toBe(false);
        if (proof.length > 0) {
          const i = pick % proof.length;
          const bent = proof.map((p, j) => (j === i ? flipBit(p, bit) : p));
          expect(verifyConsistency({ ...good, proof: bent })).toBe(false);
          expect(verifyConsistency({ ...good, proof: proof.slice(0, -1) })).toBe(false);
        }
        expect(verifyConsistency({ ...good, proof: [...proof, oldRoot] })).toBe(false);
        // A proof does not bind the sizes by itself (from 1 to 5 and from 1 to 6 the verifier
        // hashes the same way; the signed checkpoints bind each root to its size), so a changed
        // size must fail whenever it changes the shape, i.e. the proof that size would need.
        const longer = [...leaves, leaves[0]!];
        for (const [m2, n2] of [
          [m, n + 1],
          [m - 1, n],
          [m + 1, n],
          [m, n - 1],
        ] as const) {
          if (m2 < 1 || m2 > n2 || (m2 === m && n2 === n)) continue;
          if (createConsistencyProof(longer, m2, n2).length === proof.length) continue;
          expect(verifyConsistency({ ...good, oldSize: m2, newSize: n2 })).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  // transparency-dev/merkle testdata/consistency/additional/*.json: these must all be refused.
  it('refuses the published edge cases: old size 0, shrinking trees, equal sizes with other roots or a proof', () => {
    const root1 = rootOf(1);
    expect(
      verifyConsistency({ oldSize: 0, newSize: 1, oldRoot: EMPTY_TREE, newRoot: EMPTY_TREE, proof: [EMPTY_TREE] }),
    ).toBe(false);
    expect(verifyConsistency({ oldSize: 0, newSize: 1, oldRoot: EMPTY_TREE, newRoot: root1, proof: [] })).toBe(false);
    expect(verifyConsistency({ oldSize: 0, newSize: 0, oldRoot: EMPTY_TREE, newRoot: EMPTY_TREE, proof: [] })).toBe(
      false,
    );
    expect(verifyConsistency({ oldSize: 2, newSize: 1, oldRoot: rootOf(2), newRoot: root1, proof: [] })).toBe(false);
    expect(verifyConsistency({ oldSize: 1, newSize: 1, oldRoot: root1, newRoot: EMPTY_TREE, proof: [] })).toBe(false);
    expect(verifyConsistency({ oldSize: 1, newSize: 1, oldRoot: root1, newRoot: root1, proof: [root1] })).toBe(false);
    expect(verifyConsistency({ oldSize: 1, newSize: 2, oldRoot: root1, newRoot: rootOf(2), proof: [] })).toBe(false);
    expect(verifyConsistency({ oldSize: 1, newSize: 1, oldRoot: root1, newRoot: root1, proof: [] })).toBe(true);
  });

  it('answers false, never throws, for malformed input', () => {
    const good = { oldSize: 2, newSize: 5, oldRoot: rootOf(2), newRoot: rootOf(5), proof: PUBLISHED[2]!.proof };
    expect(verifyConsistency(good)).toBe(true);
    expect(verifyConsistency({ ...good, oldRoot: good.oldRoot.toUpperCase() })).toBe(false);
    expect(verifyConsistency({ ...good, proof: ['zz'] })).toBe(false);
    expect(verifyConsistency({ ...good, newSize: Number.NaN })).toBe(false);
    expect(verifyConsistency({ ...good, proof: 'nope' as unknown as string[] })).toBe(false);
  });
});

describe('TreeNodeReader', () => {
  it('gives the same inclusion proofs and roots as the leaf-based functions, from O(log n) reads', async () => {
    await fc.assert(
      fc.asyncProperty(treeArb, async ({ leaves, m, n }) => {
        const memory = createMemoryTreeReader(leaves);
        const reads: TreeNodeId[][] = [];
        const counting = { readNodes: (ids: readonly TreeNodeId[]) => (reads.push([...ids]), memory.readNodes(ids)) };
        const index = m - 1;
        const proof = await readInclusionProof(counting, index, n);
        expect(proof).toEqual(createInclusionProof(leaves.slice(0, n), index));
        const rootHash = await readTreeHash(counting, n);
        expect(rootHash).toBe(merkleTreeHash(leaves.slice(0, n)));
        expect(verifyInclusion({ leafHash: leaves[index]!, index, treeSize: n, proof, rootHash })).toBe(true);
        await readConsistencyProof(counting, m, n);
        const bound = 2 * Math.ceil(Math.log2(n + 1)) + 1;
        expect(reads.every((batch) => batch.length <= bound)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('hashes the empty tree to SHA-256 of nothing and refuses indexes outside the tree', async () => {
    const reader = createMemoryTreeReader(LEAVES);
    expect(await readTreeHash(reader, 0)).toBe(EMPTY_TREE);
    await expect(readInclusionProof(reader, 8, 8)).rejects.toThrow(ProofError);
    await expect(readTreeHash(reader, 9)).rejects.toThrow(/no complete subtree/);
  });

  it('refuses a reader that answers something other than hashes', async () => {
    const liar = { readNodes: (ids: readonly TreeNodeId[]) => ids.map(() => 'not a hash') };
    await expect(readConsistencyProof(liar, 3, 8)).rejects.toThrow(/is not a hash/);
    const short = { readNodes: () => Promise.resolve([]) };
    await expect(readTreeHash(short, 5)).rejects.toThrow(/answered 0 hashes/);
  });
});
