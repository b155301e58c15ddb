import { z } from 'zod';
import { verifyProofBundleFile } from '../bundle-file-verifier';
import { verifyProofBundleStream } from '../bundle-stream-verifier';
import { parseOptions, type CommandContext, type ExitCode, type ParsedArgs } from '../cli-kit/index';
import { parseVerifierKey } from '../note-key';
import { printVerification } from './cli-render';
import { stdinOf } from './stdin-input';
import { fileArgument, trustedKeysOption } from './verify-options';

const VerifyOptions = z.object({ bundle: fileArgument, key: trustedKeysOption });

/**
 * `aos-proof verify <bundle>`: parses the trusted keys, then verifies the file, or stdin, as a
 * stream (any size, bounded memory).
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { bundle, key } = parseOptions(VerifyOptions, args, { positionals: ['bundle'], code: 'PROOF_USAGE' });
  const trustedKeys = key.map((text) => parseVerifierKey(text));
  const result =
    bundle === '-'
      ? await verifyProofBundleStream(stdinOf(context.io), { trustedKeys }, 'stdin')
      : await verifyProofBundleFile(bundle, { trustedKeys });
  return printVerification(context, result);
}
