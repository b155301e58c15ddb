import { describe, expect, it } from 'vitest';

import { buildSealedRun, jsonCopy, sampleStepContent } from '../test/proof-fixtures';
import { StepInclusionProofSchema, type StepInclusionProof } from './bundle-schema';
import { ProofError } from './errors';
import { generateSigningKey } from './note-key';
import { createStepInclusionProof, verifyStepInclusionProof } from './step-proof';

const key = generateSigningKey('aos.test');
const trustedKeys = [key.verifierKey];
const run = buildSealedRun({ key, contents: [0, 1, 2, 3, 4].map(sampleStepContent) });

function proofOf(index: number): StepInclusionProof {
  return jsonCopy(
    createStepInclusionProof({
      step: run.steps[index]!,
      leafHashes: run.leafHashes,
      checkpoint: run.bundle.trace.checkpoint!,
      verifierKeyName: key.name,
    }),
  );
}

describe('single-step inclusion proofs', () => {
  it('verifies every step of a sealed trace on its own', () => {
    for (let index = 0; index < 5; index++) {
      const proof = proofOf(index);
      expect(StepInclusionProofSchema.safeParse(proof).success).toBe(true);
      expect(verifyStepInclusionProof(proof, { trustedKeys })).toEqual({
        verification_status: 'VERIFIED',
        failure_reason: null,
        signature_valid: true,
        index: index + 1,
        tree_size: 7,
        leaf_hash: run.steps[index]!.leaf_hash,
        merkle_root: run.bundle.trace.merkle_root,
      });
    }
  });

  it.each([
    [
      'an edited envelope',
      (p: StepInclusionProof) => {
        p.envelope.status = 'failure';
      },
      'leaf_hash does not match the envelope',
    ],
    [
      'an edited audit path',
      (p: StepInclusionProof) => {
        p.audit_path[1] = p.audit_path[0]!;
      },
      'audit_path does not lead from the leaf to the checkpoint root',
    ],
    [
      'a claim to be another leaf',
      (p: StepInclusionProof) => {
        p.index = 4;
      },
      'envelope.step_index is 2 but the proof is for leaf 4 (step 3)',
    ],
    [
      'a claim to be the header leaf',
      (p: StepInclusionProof) => {
        p.envelope.step_index = -1;
        p.index = 0;
      },
      /^step proof: envelope/,
    ],
    [
      'a different tree size',
      (p: StepInclusionProof) => {
        p.tree_size = 6;
      },
      'checkpoint: tree size 7 does not match tree_size 6',
    ],
    [
      'a wrong format',
      (p: StepInclusionProof) => {
        (p as { format: string }).format = 'aos.step-proof.v1';
      },
      /^step proof: format: /,
    ],
  ])('fails %s', (_name, change, reason) => {
    const proof = proofOf(2);
    change(proof);
    const result = verifyStepInclusionProof(proof, { trustedKeys });
    expect(result.verification_status).toBe('FAILED');
    if (typeof reason === 'string') expect(result.failure_reason).toBe(reason);
    else expect(result.failure_reason).toMatch(reason);
  });

  it('fails when no trusted key signed the checkpoint', () => {
    const result = verifyStepInclusionProof(proofOf(0), {
      trustedKeys: [generateSigningKey('aos.test').verifierKey],
    });
    expect(result).toMatchObject({ verification_status: 'FAILED', signature_valid: false });
  });

  it('refuses to build a proof for a step whose leaf is not in the tree', () => {
    expect(() =>
      createStepInclusionProof({
        step: run.steps[1]!,
        leafHashes: run.leafHashes.slice().reverse(),
        checkpoint: run.bundle.trace.checkpoint!,
        verifierKeyName: key.name,
      }),
    ).toThrow(ProofError);
  });
});
