import { verifyProofBundleFile } from '../bundle-file-verifier';
import { verifyProofBundle, type BundleVerification } from '../bundle-verifier';
import { parseVerifierKey } from '../note-key';
import type { CliArgs } from './cli-args';
import { readJsonInput, type CliIo } from './cli-io';

/**
 * `aos-proof verify <bundle>`: parses the trusted keys, then verifies the file as a stream (any
 * size), or the bundle read whole from stdin.
 */
export async function runVerify(args: CliArgs, io: CliIo): Promise<BundleVerification> {
  const trustedKeys = args.keys.map((key) => parseVerifierKey(key));
  if (args.input !== '-') return verifyProofBundleFile(args.input, { trustedKeys });
  return verifyProofBundle(await readJsonInput(args.input, io), { trustedKeys });
}
