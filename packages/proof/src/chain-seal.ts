import { merkleTreeHash } from './merkle-tree';
import type { SigningKey } from './note-key';
import { assertHashHex } from './sha256-hash';
import { checkpointOrigin, signCheckpoint } from './tlog-checkpoint';

/**
 * What {@link sealChain} needs: the deployment key, the run, and its chain.
 *
 * @example
 * ```ts
 * const input: SealChainInput = { signingKey, tenantId: 'acme', runId, leafHashes, rootHash };
 * ```
 */
export interface SealChainInput {
  /** The deployment's signing key; its name is the deployment origin. */
  signingKey: SigningKey;
  tenantId: string;
  runId: string;
  /** Every step's `leaf_hash`, in step order. */
  leafHashes: readonly string[];
  /** The chain head: the last step's `step_hash` (the genesis hash when there is no step). */
  rootHash: string;
}

/**
 * The values a sealed trace stores.
 *
 * @example
 * ```ts
 * const { merkle_root, root_hash, chain_length, checkpoint }: ChainSeal = sealChain(input);
 * ```
 */
export interface ChainSeal {
  merkle_root: string;
  root_hash: string;
  chain_length: number;
  /** Signed note whose body is a tlog checkpoint of the steps' Merkle tree. */
  checkpoint: string;
}

/**
 * Seals a chain: computes the Merkle root of the leaves and signs a checkpoint
 * `<key name>/<tenant>/<run>`, size n, root. Throws a {@link ProofError} for a malformed hash or
 * id.
 *
 * @example
 * ```ts
 * const seal = sealChain({
 *   signingKey: await loadSigningKey({}),
 *   tenantId: 'acme',
 *   runId,
 *   leafHashes: steps.map((s) => s.leaf_hash),
 *   rootHash: steps.at(-1)?.step_hash ?? genesisHash,
 * });
 * ```
 */
export function sealChain(input: SealChainInput): ChainSeal {
  const { signingKey, tenantId, runId, leafHashes, rootHash } = input;
  assertHashHex(rootHash, 'root_hash');
  const origin = checkpointOrigin(signingKey.name, tenantId, runId);
  const merkleRoot = merkleTreeHash(leafHashes);
  return {
    merkle_root: merkleRoot,
    root_hash: rootHash,
    chain_length: leafHashes.length,
    checkpoint: signCheckpoint({ origin, treeSize: leafHashes.length, rootHash: merkleRoot }, signingKey),
  };
}
