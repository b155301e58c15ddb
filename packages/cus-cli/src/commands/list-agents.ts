import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import { wholeNumberOption } from '@aos/proof/cli-kit/schemas';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printAgents } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli list-agents`. */
export const ListAgentsOptionsSchema = z.object({
  tenantId: tenantIdOption.optional(),
  limit: wholeNumberOption(1, 1000),
  // Opaque: the facade decodes it (locally or on the server) and refuses a malformed one.
  cursor: z.string().min(1, 'must not be empty').optional(),
});

/** `list-agents`: a page of every agent, or of those a tenant can use (its own and the shared ones). */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(ListAgentsOptionsSchema, args);
  const page = await withAos(context, (aos) => aos.agents.list(options));
  const again = ['list-agents', ...(options.tenantId === undefined ? [] : ['--tenant-id', options.tenantId])];
  printAgents(context, page, [...again, '--limit', String(options.limit)]);
  return EXIT_CODES.ok;
}
