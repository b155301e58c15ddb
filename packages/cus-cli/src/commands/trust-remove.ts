import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions } from '../options';
import { changePin, printTrust } from '../trust';

const OptionsSchema = z.object({ vkey: z.string().min(1, 'name a verifier key (name+hash+base64)') });

/** `trust remove <vkey>`: unpins a verifier key from the profile in use. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { vkey } = parseOptions(OptionsSchema, args);
  printTrust(context, await changePin(context, vkey, false));
  return EXIT_CODES.ok;
}
