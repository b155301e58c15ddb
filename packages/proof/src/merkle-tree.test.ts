import { createHash } from 'node:crypto';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ProofError } from './errors';
import { createInclusionProof, merkleTreeHash, verifyInclusion } from './merkle-tree';

const sha256 = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHashOf = (entryHex: string): string => sha256(Buffer.from([0]), Buffer.from(entryHex, 'hex')).toString('hex');

/** RFC 9162 §2.1.1 MTH, written as the RFC's recursive definition (a reference, not fast). */
function referenceTreeHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256();
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), referenceTreeHash(leaves.slice(0, k)), referenceTreeHash(leaves.slice(k)));
}

// github.com/transparency-dev/merkle proof/verify_test.go: the eight standard test entries, the
// tree roots of sizes 1..8, and inclusion proofs (leaf numbers there are 1-based).
const ENTRIES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const INCLUSION_PROOFS: { leaf: number; size: number; proof: string[] }[] = [
  { leaf: 1, size: 1, proof: [] },
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const SOME_HASH = 'abacaba000000000000000000000000000000000000000000060061e00123456';
const EMPTY_TREE = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const LEAVES = ENTRIES.map(leafHashOf);

function flipBit(hex: string, bit: number): string {
  const bytes = Buffer.from(hex, 'hex');
  bytes[bit >> 3]! ^= 1 << (bit & 7);
  return bytes.toString('hex');
}

describe('merkleTreeHash', () => {
  it('hashes the empty tree to SHA-256 of nothing', () => {
    expect(merkleTreeHash([])).toBe(EMPTY_TREE);
  });

  it.each(ROOTS.map((root, i) => [i + 1, root] as const))(
    'matches the transparency-dev root of the %i-leaf test tree',
    (size, root) => {
      expect(merkleTreeHash(LEAVES.slice(0, size))).toBe(root);
    },
  );

  it('matches the recursive RFC definition for every size up to 70', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => sha256(Buffer.from([i])));
    for (let n = 0; n <= 70; n++) {
      expect(merkleTreeHash(leaves.slice(0, n).map((b) => b.toString('hex')))).toBe(
        referenceTreeHash(leaves.slice(0, n)).toString('hex'),
      );
    }
  });

  it('names the first malformed leaf hash', () => {
    expect(() => merkleTreeHash([LEAVES[0]!, LEAVES[1]!.toUpperCase()])).toThrow(
      /leaf hash 1 must be 64 lowercase hex/,
    );
    expect(() => merkleTreeHash(['00'])).toThrow(ProofError);
  });
});

describe('inclusion proofs: transparency-dev vectors', () => {
  it.each(INCLUSION_PROOFS)('leaf $leaf of $size', ({ leaf, size, proof }) => {
    const index = leaf - 1;
    const leafHash = LEAVES[index]!;
    const rootHash = ROOTS[size - 1]!;
    expect(createInclusionProof(LEAVES.slice(0, size), index)).toEqual(proof);
    expect(verifyInclusion({ leafHash, index, treeSize: size, proof, rootHash })).toBe(true);

    // The corruptions the reference test suite probes; none may verify.
    const probes = [
      { index: index - 1 },
      { index: index + 1 },
      { index: index ^ 2 },
      { treeSize: size * 2 },
      { treeSize: Math.floor(size / 2) },
      { leafHash: SOME_HASH },
      { rootHash: EMPTY_TREE },
      { rootHash: SOME_HASH },
      { proof: [...proof, ''] },
      { proof: [...proof, rootHash] },
      { proof: ['', ...proof] },
      { proof: [rootHash, ...proof] },
      ...proof.map((_, i) => ({ proof: proof.map((p, j) => (i === j ? flipBit(p, 3) : p)) })),
      ...(proof.length > 0 ? [{ proof: proof.slice(0, -1) }] : []),
      ...(proof.length > 1 ? [{ proof: [proof[0]!, SOME_HASH, ...proof.slice(1)] }] : []),
    ];
    for (const probe of probes) {
      const check = { leafHash, index, treeSize: size, proof, rootHash, ...probe };
      expect(verifyInclusion(check), JSON.stringify(probe)).toBe(false);
    }
  });

  it('refuses an index outside the tree', () => {
    expect(() => createInclusionProof(LEAVES, 8)).toThrow(ProofError);
    expect(() => createInclusionProof([], 0)).toThrow(/outside a tree of 0 leaves/);
  });
});

describe('inclusion proofs: properties', () => {
  const hashHex = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));

  it('every leaf of every small tree verifies', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => sha256(Buffer.from([i, 7])).toString('hex'));
    for (let size = 1; size <= 40; size++) {
      const tree = leaves.slice(0, size);
      const rootHash = merkleTreeHash(tree);
      for (let index = 0; index < size; index++) {
        const proof = createInclusionProof(tree, index);
        expect(verifyInclusion({ leafHash: tree[index]!, index, treeSize: size, proof, rootHash })).toBe(true);
      }
    }
  });

  it('a proof verifies for a random tree of 1..300 leaves, and flipping any one bit breaks it', () => {
    fc.assert(
      fc.property(
        fc.array(hashHex, { minLength: 1, maxLength: 300 }),
        fc.nat(),
        fc.nat(),
        fc.nat({ max: 255 }),
        (tree, indexSeed, targetSeed, bit) => {
          const index = indexSeed % tree.length;
          const rootHash = merkleTreeHash(tree);
          const proof = createInclusionProof(tree, index);
          const check = { leafHash: tree[index]!, index, treeSize: tree.length, proof, rootHash };
          expect(verifyInclusion(check)).toBe(true);
          // Flip one bit of the leaf, of one proof node, or of the root.
          const target = targetSeed % (proof.length + 2);
          const broken =
            target === 0
              ? { ...check, leafHash: flipBit(check.leafHash, bit) }
              : target === 1
                ? { ...check, rootHash: flipBit(rootHash, bit) }
                : {
                    ...check,
                    proof: proof.map((p, i) => (i === target - 2 ? flipBit(p, bit) : p)),
                  };
          expect(verifyInclusion(broken)).toBe(false);
        },
      ),
    );
  });
});
