import { z } from 'zod';
import { wholeNumberOption } from '../cli-kit/option-schemas';
import {
  EXIT_CODES,
  parseOptions,
  writeJson,
  type CommandContext,
  type ExitCode,
  type ParsedArgs,
} from '../cli-kit/index';
import { isProofError, ProofError } from '../errors';
import { readSigningKeyFile } from '../node/key-store';
import { cosignCheckpoint, cosignerKeyFrom } from '../tlog-cosignature';
import { readTextInput } from './stdin-input';
import { fileArgument } from './verify-options';

/** A checkpoint note is a few lines; this bounds what is read from a file or stdin. */
export const MAX_CHECKPOINT_BYTES = 1 << 20;

const CosignOptions = z.object({
  keyFile: z.string({ error: 'name the witness key file: --key-file F' }).min(1),
  checkpoint: fileArgument,
  time: wholeNumberOption(0, Number.MAX_SAFE_INTEGER).optional(),
});

/**
 * `aos-proof witness cosign`: prints the signed checkpoint note with this witness's cosignature
 * line appended. Offline: it neither checks the log's signature nor keeps state, so it is for
 * tests and for an air-gapped witness whose operator has checked the checkpoint.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(CosignOptions, args, { positionals: ['checkpoint'], code: 'PROOF_USAGE' });
  const key = await readSigningKeyFile(options.keyFile);
  if (key === null) throw new ProofError('PROOF_IO', `witness key file ${options.keyFile} does not exist`);
  const note = await readTextInput(options.checkpoint, context.io, MAX_CHECKPOINT_BYTES);
  const label = options.checkpoint === '-' ? 'stdin' : options.checkpoint;
  // Appending a line to a bare body would not make a note: its signature block must follow a
  // blank line, so the log must have signed first.
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n') || split + 2 === note.length) {
    throw new ProofError('PROOF_BAD_INPUT', `${label} is not a signed note (no signature lines after a blank line)`);
  }
  const timestamp = options.time ?? Math.floor(Date.now() / 1000);
  let cosigned: string;
  try {
    cosigned = note + cosignCheckpoint(note, cosignerKeyFrom(key), timestamp);
  } catch (error) {
    // The note is the user's input: one that is not a checkpoint is bad input (exit 2).
    if (isProofError(error, 'PROOF_BAD_NOTE')) {
      throw new ProofError('PROOF_BAD_INPUT', `${label}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (context.json) writeJson(context.io, { checkpoint: cosigned });
  else context.io.stdout.write(cosigned);
  return EXIT_CODES.ok;
}
