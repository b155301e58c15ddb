import { constants as bufferConstants } from 'node:buffer';

import { verifyStreamLayout, type VerifyProofFileOptions } from './bundle-file-verifier';
import { bundleChecks, verifyProofBundle, type BundleVerification } from './bundle-verifier';
import { ProofError } from './errors';
import { LineReader, NotStreamable, streamByteSource } from './line-reader';
import { parseStrictJson } from './strict-json';

/**
 * Verifies a proof bundle read from a stream (stdin) as {@link verifyProofBundleFile} verifies
 * a file, within the same bounds: the streaming layout line by line, no line longer than
 * 256 MiB, and any other layout read whole up to the longest string V8 can build. Reading stops
 * at the verdict or at the first bound crossed, and the stream is then destroyed, so an
 * endless input (`< /dev/zero`) ends with an error instead of filling memory. A stream is read
 * once: input whose first lines are in the streaming layout must keep to it. Throws a
 * {@link ProofError}: `PROOF_BAD_KEY`, `PROOF_IO` when the stream fails, `PROOF_BAD_INPUT` when
 * it is not a proof bundle's JSON (as for a file) or is too long.
 *
 * @example
 * ```ts
 * const result = await verifyProofBundleStream(process.stdin, { trustedKeys: [verifierKey] }, 'stdin');
 * ```
 */
export async function verifyProofBundleStream(
  stream: AsyncIterable<string | Uint8Array>,
  options: VerifyProofFileOptions,
  label: string,
): Promise<BundleVerification> {
  const checks = bundleChecks(options);
  const source = streamByteSource(stream, label);
  const lines = new LineReader(source);
  try {
    return await verifyStreamLayout(lines, checks);
  } catch (error) {
    if (!(error instanceof NotStreamable)) throw error;
    if (!lines.canReadWhole()) {
      throw new ProofError(
        'PROOF_BAD_INPUT',
        `${label} is not a proof bundle in the streaming layout: ${error.message}`,
      );
    }
    const whole = await lines.readWhole(bufferConstants.MAX_STRING_LENGTH);
    return verifyProofBundle(parseStrictJson(whole.toString('utf8'), label, { subject: 'bundle' }), {
      ...options,
      trustedKeys: checks.trustedKeys,
    });
  } finally {
    await source.close();
  }
}
