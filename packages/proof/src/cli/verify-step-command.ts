import { z } from 'zod';
import { parseOptions, type CommandContext, type ExitCode, type ParsedArgs } from '../cli-kit/index';
import { parseVerifierKey } from '../note-key';
import { verifyStepInclusionProof } from '../step-proof';
import { printVerification } from './cli-render';
import { readJsonInput } from './stdin-input';
import { fileArgument, trustedKeysOption } from './verify-options';

const VerifyStepOptions = z.object({ proof: fileArgument, key: trustedKeysOption });

/** `aos-proof verify-step <proof>`: parses the trusted keys, reads the proof, verifies it. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { proof, key } = parseOptions(VerifyStepOptions, args, { positionals: ['proof'], code: 'PROOF_USAGE' });
  const trustedKeys = key.map((text) => parseVerifierKey(text));
  const document = await readJsonInput(proof, context.io, 'step proof');
  return printVerification(context, verifyStepInclusionProof(document, { trustedKeys }));
}
