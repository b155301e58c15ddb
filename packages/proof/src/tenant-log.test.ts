import { describe, expect, it } from 'vitest';

import { buildSealedRun, buildTenantLog, jsonCopy, receiptFor, sampleStepContent } from '../test/proof-fixtures';
import { verifyProofBundle } from './bundle-verifier';
import { createConsistencyProof } from './merkle-consistency';
import { createInclusionProof, merkleTreeHash } from './merkle-tree';
import { generateSigningKey, parseVerifierKey } from './note-key';
import { sha256Hex } from './sha256-hash';
import {
  proofToBase64,
  signTenantCheckpoint,
  tenantLogLeafHash,
  tenantLogOrigin,
  verifyLogReceipt,
} from './tenant-log';
import { cosignCheckpoint, cosignerKeyFrom } from './tlog-cosignature';
import { TreeFrontier } from './tree-frontier';
import { parseWitnessPolicy } from './witness-policy';

const key = generateSigningKey('aos.test');
const trustedKeys = [key.verifierKey];

function sealedBundle(runId?: string) {
  return jsonCopy(buildSealedRun({ key, contents: [0, 1].map(sampleStepContent), ...(runId ? { runId } : {}) }).bundle);
}

function failure(bundle: unknown, options: Parameters<typeof verifyProofBundle>[1] = { trustedKeys }): string | null {
  const result = verifyProofBundle(bundle, options);
  return result.verification_status === 'VERIFIED' ? null : result.failure_reason;
}

describe('tenant-log receipts in a bundle', () => {
  it('names the origin of a tenant log after the deployment', () => {
    expect(tenantLogOrigin('aos.example.com', 'acme')).toBe('aos.example.com/tenants/acme');
    expect(() => tenantLogOrigin('aos.example.com', 'a\nb')).toThrow(/tenant_id/);
  });

  it('verifies a run proven into its tenant checkpoint and reports where it sits', () => {
    const bundle = sealedBundle();
    bundle.receipt = receiptFor(bundle, key, { index: 4, size: 9 });
    const result = verifyProofBundle(bundle, { trustedKeys });
    expect(result.verification_status).toBe('VERIFIED');
    expect(result.log_inclusion).toMatchObject({ log_index: 4, tree_size: 9, origin: 'aos.test/tenants/acme' });
  });

  it('fails a bundle without a receipt: nothing shows the run is in its log', () => {
    const bundle = sealedBundle();
    bundle.receipt = null;
    expect(failure(bundle)).toMatch(/^receipt: there is none/);
  });

  it("fails a receipt that points at another run's leaf (its own, correct, proof)", () => {
    const bundle = sealedBundle();
    const other = sealedBundle();
    bundle.receipt = receiptFor(other, key, { index: 1, size: 3 });
    expect(failure(bundle)).toBe('receipt: leaf run_id does not match the run it is attached to');
  });

  it('fails a receipt whose leaf names the right run at a different index than its proof', () => {
    const bundle = sealedBundle();
    const receipt = receiptFor(bundle, key, { index: 1, size: 5 });
    receipt.leaf = { ...receipt.leaf, log_index: 2 };
    receipt.leaf_hash = tenantLogLeafHash(receipt.leaf);
    bundle.receipt = receipt;
    expect(failure(bundle)).toMatch(/inclusion proof does not lead from leaf 2/);
  });

  it('fails when a leaf field is edited, even with the leaf hash recomputed', () => {
    const bundle = sealedBundle();
    const receipt = receiptFor(bundle, key);
    receipt.leaf = { ...receipt.leaf, run_status: 'failed' };
    receipt.leaf_hash = tenantLogLeafHash(receipt.leaf);
    bundle.receipt = receipt;
    expect(failure(bundle)).toBe('receipt: leaf run_status does not match the run it is attached to');
  });

  it('fails a leaf hash that does not match the leaf', () => {
    const bundle = sealedBundle();
    const receipt = receiptFor(bundle, key);
    receipt.leaf_hash = sha256Hex('x');
    bundle.receipt = receipt;
    expect(failure(bundle)).toBe('receipt: leaf_hash does not match the leaf');
  });

  it('fails a tenant checkpoint signed by an untrusted key, or for another tenant', () => {
    const bundle = sealedBundle();
    bundle.receipt = receiptFor(bundle, generateSigningKey('aos.test'));
    expect(failure(bundle)).toMatch(/^receipt: tenant checkpoint: its signature does not verify/);
    const wrongTenant = sealedBundle();
    const receipt = receiptFor(wrongTenant, key);
    const { leafHashes } = buildTenantLog(wrongTenant, key);
    receipt.checkpoint = signTenantCheckpoint(key, 'globex', 3, merkleTreeHash(leafHashes));
    wrongTenant.receipt = receipt;
    expect(failure(wrongTenant)).toMatch(/origin is "aos.test\/tenants\/globex", not "aos.test\/tenants\/acme"/);
  });

  it('fails a malformed receipt with the field named', () => {
    const bundle = sealedBundle();
    const receipt = receiptFor(bundle, key) as unknown as Record<string, unknown>;
    receipt['inclusion_proof'] = ['nope'];
    (bundle as unknown as Record<string, unknown>)['receipt'] = receipt;
    expect(failure(bundle)).toMatch(/^bundle: receipt\.inclusion_proof\[0\]: must be the base64 of a 32-byte hash/);
  });
});

describe('a saved checkpoint (--since) and a witness policy', () => {
  const bundle = sealedBundle();
  const { receipt, leafHashes } = buildTenantLog(bundle, key, { index: 1, size: 7 });

  function savedAt(size: number, hashes = leafHashes): string {
    return signTenantCheckpoint(key, 'acme', size, merkleTreeHash(hashes.slice(0, size)));
  }

  it('verifies when the receipt carries a consistency proof from the saved size', () => {
    bundle.receipt = {
      ...receipt,
      consistency: { from_size: 4, proof: proofToBase64(createConsistencyProof(leafHashes, 4, 7)) },
    };
    const result = verifyProofBundle(bundle, { trustedKeys, logCheckpoint: savedAt(4) });
    expect(result.verification_status).toBe('VERIFIED');
    expect(result.log_inclusion?.consistent_from).toBe(4);
  });

  it('verifies against a saved checkpoint of the same size and root without a proof', () => {
    bundle.receipt = { ...receipt, consistency: null };
    expect(failure(bundle, { trustedKeys, logCheckpoint: savedAt(7) })).toBeNull();
  });

  it('fails when the history the customer saw was rewritten (a run deleted, the log rebuilt and re-signed)', () => {
    // The customer saved size 4 of the honest log; the operator drops leaf 2 and rebuilds.
    const rewritten = [...leafHashes.slice(0, 2), ...leafHashes.slice(3), sha256Hex('filler')];
    const forged = buildTenantLog(bundle, key, { index: 1, size: 7 }).receipt;
    forged.checkpoint = signTenantCheckpoint(key, 'acme', 7, merkleTreeHash(rewritten));
    bundle.receipt = {
      ...forged,
      consistency: { from_size: 4, proof: proofToBase64(createConsistencyProof(rewritten, 4, 7)) },
    };
    expect(failure(bundle, { trustedKeys, logCheckpoint: savedAt(4) })).toMatch(
      /^receipt: the inclusion proof|log consistency/,
    );
    // Even with an honest inclusion proof into the rewritten tree, consistency fails.
    const honestInclusion = buildTenantLog(bundle, key, { index: 1, size: 7 });
    const rewrittenWithRun = [
      ...honestInclusion.leafHashes.slice(0, 2),
      ...honestInclusion.leafHashes.slice(3),
      sha256Hex('f'),
    ];
    const subject = { run: bundle.run, trace: bundle.trace };
    const forgedReceipt = {
      ...honestInclusion.receipt,
      inclusion_proof: proofToBase64(createInclusionProof(rewrittenWithRun, 1)),
      checkpoint: signTenantCheckpoint(key, 'acme', 7, merkleTreeHash(rewrittenWithRun)),
      consistency: { from_size: 4, proof: proofToBase64(createConsistencyProof(rewrittenWithRun, 4, 7)) },
    };
    const verdict = verifyLogReceipt(forgedReceipt, subject, { trustedKeys: parsedKeys(), since: savedAt(4) });
    expect(verdict).toEqual({
      reason:
        "log consistency: the checkpoint of size 7 does not extend the saved one of size 4: the log's history was rewritten",
    });
  });

  it('fails a receipt without a consistency proof from the saved size, and one older than the saved checkpoint', () => {
    bundle.receipt = { ...receipt, consistency: null };
    expect(failure(bundle, { trustedKeys, logCheckpoint: savedAt(4) })).toMatch(
      /no consistency proof from the saved size 4/,
    );
    const longer = [...leafHashes, sha256Hex('later')];
    expect(failure(bundle, { trustedKeys, logCheckpoint: savedAt(8, longer) })).toMatch(
      /saved checkpoint \(size 8\) is newer/,
    );
  });

  it('fails a same-size saved checkpoint with another root (a split view)', () => {
    bundle.receipt = { ...receipt, consistency: null };
    const other = [...leafHashes.slice(0, 6), sha256Hex('fork')];
    expect(failure(bundle, { trustedKeys, logCheckpoint: savedAt(7, other) })).toMatch(
      /both have size 7 but different roots/,
    );
  });

  it('requires the quorum of witness cosignatures a policy names', () => {
    const w1 = cosignerKeyFrom(generateSigningKey('w1.test'));
    const w2 = cosignerKeyFrom(generateSigningKey('w2.test'));
    const policy = parseWitnessPolicy({
      log_keys: [key.verifierKey],
      witnesses: [
        { name: 'one', key: w1.verifierKey },
        { name: 'two', key: w2.verifierKey },
      ],
      quorum: 2,
    });
    const once = receipt.checkpoint + cosignCheckpoint(receipt.checkpoint, w1, 1_700_000_000);
    bundle.receipt = { ...receipt, checkpoint: once, consistency: null };
    expect(failure(bundle, { trustedKeys, policy })).toMatch(
      /^receipt: witness policy: 1 of the 2 cosignatures required/,
    );
    const twice = once + cosignCheckpoint(receipt.checkpoint, w2, 1_700_000_000);
    bundle.receipt = { ...receipt, checkpoint: twice, consistency: null };
    const result = verifyProofBundle(bundle, { trustedKeys, policy });
    expect(result.verification_status).toBe('VERIFIED');
    expect(result.log_inclusion?.cosigned_by).toEqual(['one', 'two']);
  });
});

function parsedKeys() {
  return [parseVerifierKey(key.verifierKey)];
}

describe('TreeFrontier', () => {
  it('appends leaves naming the subtrees they complete, and gives the RFC 9162 root at every size', () => {
    const hashes = Array.from({ length: 37 }, (_, i) => sha256Hex(`leaf ${i}`));
    const frontier = TreeFrontier.empty();
    const completed: string[] = [];
    for (const [i, hash] of hashes.entries()) {
      for (const node of frontier.append(hash)) completed.push(`${node.level}:${node.index}`);
      expect(frontier.root()).toBe(merkleTreeHash(hashes.slice(0, i + 1)));
    }
    // Leaf 3 completes (1,1) then (2,0); 37 leaves complete 18 + 9 + 4 + 2 + 1 = 34 nodes.
    expect(completed.slice(0, 3)).toEqual(['1:0', '1:1', '2:0']);
    expect(completed).toHaveLength(34);
    // Resumed from stored frontier hashes, it continues as if it had seen every leaf.
    const six = TreeFrontier.empty();
    const nodes = new Map<string, string>();
    for (const hash of hashes.slice(0, 6)) for (const n of six.append(hash)) nodes.set(`${n.level}:${n.index}`, n.hash);
    expect(TreeFrontier.idsFor(6)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
    ]);
    const resumed = TreeFrontier.from(6, [nodes.get('2:0')!, nodes.get('1:2')!]);
    for (const hash of hashes.slice(6)) resumed.append(hash);
    expect(resumed.root()).toBe(merkleTreeHash(hashes));
    expect(TreeFrontier.empty().root()).toBe(merkleTreeHash([]));
  });
});
