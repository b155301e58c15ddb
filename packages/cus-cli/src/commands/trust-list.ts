import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { printTrust, trustedKeyList } from '../trust';

/** `trust list`: the verifier keys proofs are checked against in this invocation. */
export async function execute(_args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  printTrust(context, await trustedKeyList(context));
  return EXIT_CODES.ok;
}
