import { z } from 'zod';
import { EXIT_CODES, parseOptions, type CommandContext, type ExitCode, type ParsedArgs } from '../cli-kit/index';
import { ProofError } from '../errors';
import { generateSigningKey } from '../note-key';
import { writeNewKeyFile } from '../node/key-store';
import { cosignerKeyFrom } from '../tlog-cosignature';

const KeygenOptions = z.object({
  keyFile: z.string({ error: 'name the key file: --key-file F' }).min(1),
  name: z.string({ error: 'name the witness: --name witness.example/w1' }).min(1),
});

/** `aos-proof witness keygen`: a new 0600 key file (never overwritten); prints the cosigner key. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { keyFile, name } = parseOptions(KeygenOptions, args, { code: 'PROOF_USAGE' });
  const key = generateSigningKey(name);
  try {
    await writeNewKeyFile(keyFile, key);
  } catch (error) {
    throw new ProofError('PROOF_IO', `cannot create key file ${keyFile} (an existing file is never replaced)`, {
      cause: error,
    });
  }
  context.io.stdout.write(`${cosignerKeyFrom(key).verifierKey}\n`);
  return EXIT_CODES.ok;
}
