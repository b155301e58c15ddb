import { verifyProofBundle, type BundleVerification } from '../bundle-verifier';
import { parseVerifierKey } from '../note-key';
import type { CliArgs } from './cli-args';
import { readJsonInput, type CliIo } from './cli-io';

/** `aos-proof verify <bundle>`: parses the trusted keys, reads the bundle, verifies it. */
export async function runVerify(args: CliArgs, io: CliIo): Promise<BundleVerification> {
  const trustedKeys = args.keys.map((key) => parseVerifierKey(key));
  const bundle = await readJsonInput(args.input, io);
  return verifyProofBundle(bundle, { trustedKeys });
}
