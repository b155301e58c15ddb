import { parseVerifierKey } from '../note-key';
import { verifyStepInclusionProof, type StepProofVerification } from '../step-proof';
import type { CliArgs } from './cli-args';
import { readJsonInput, type CliIo } from './cli-io';

/** `aos-proof verify-step <proof>`: parses the trusted keys, reads the proof, verifies it. */
export async function runVerifyStep(args: CliArgs, io: CliIo): Promise<StepProofVerification> {
  const trustedKeys = args.keys.map((key) => parseVerifierKey(key));
  const proof = await readJsonInput(args.input, io, 'step proof');
  return verifyStepInclusionProof(proof, { trustedKeys });
}
