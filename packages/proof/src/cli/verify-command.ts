import { z } from 'zod';
import { verifyProofBundleFile } from '../bundle-file-verifier';
import { verifyProofBundleStream } from '../bundle-stream-verifier';
import { parseOptions, type CommandContext, type ExitCode, type ParsedArgs } from '../cli-kit/index';
import { parseVerifierKey } from '../note-key';
import { printVerification } from './cli-render';
import { stdinOf } from './stdin-input';
import { readPolicyFile, readSavedCheckpoint } from './verify-inputs';
import { fileArgument, trustedKeysOption } from './verify-options';

const OptionalFile = (flag: string) =>
  z
    .string({ error: `name a file: --${flag} FILE` })
    .min(1, `name a file: --${flag} FILE`)
    .refine((value) => value !== '-', 'must name a file, not - (stdin may hold the bundle)')
    .optional();

const VerifyOptions = z.object({
  bundle: fileArgument,
  key: trustedKeysOption,
  since: OptionalFile('since'),
  policy: OptionalFile('policy'),
});

/**
 * `aos-proof verify <bundle>`: parses the trusted keys, the saved checkpoint (`--since`) and the
 * witness policy (`--policy`) — a bad one is a usage error, before the bundle is read — then
 * verifies the file, or stdin, as a stream (any size, bounded memory).
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { bundle, key, since, policy } = parseOptions(VerifyOptions, args, {
    positionals: ['bundle'],
    code: 'PROOF_USAGE',
  });
  const trustedKeys = key.map((text) => parseVerifierKey(text));
  const options = {
    trustedKeys,
    logCheckpoint: since === undefined ? undefined : await readSavedCheckpoint(since, context.io),
    policy: policy === undefined ? undefined : await readPolicyFile(policy),
  };
  const result =
    bundle === '-'
      ? await verifyProofBundleStream(stdinOf(context.io), options, 'stdin')
      : await verifyProofBundleFile(bundle, options);
  return printVerification(context, result, { policy: options.policy !== undefined });
}
