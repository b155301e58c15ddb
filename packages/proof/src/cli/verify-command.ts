import { verifyProofBundleFile } from '../bundle-file-verifier';
import type { BundleVerification } from '../bundle-verifier';
import { verifyProofBundleStream } from '../bundle-stream-verifier';
import { parseVerifierKey } from '../note-key';
import type { CliArgs } from './cli-args';
import type { CliIo } from './cli-io';

/**
 * `aos-proof verify <bundle>`: parses the trusted keys, then verifies the file, or stdin, as a
 * stream (any size, bounded memory).
 */
export async function runVerify(args: CliArgs, io: CliIo): Promise<BundleVerification> {
  const trustedKeys = args.keys.map((key) => parseVerifierKey(key));
  if (args.input !== '-') return verifyProofBundleFile(args.input, { trustedKeys });
  return verifyProofBundleStream(io.stdin, { trustedKeys }, 'stdin');
}
