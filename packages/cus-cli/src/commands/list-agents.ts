import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printAgents } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli list-agents`. */
export const ListAgentsOptionsSchema = z.object({ tenantId: tenantIdOption.optional() });

/** `list-agents`: every agent, or those a tenant can use (its own and the shared ones). */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(ListAgentsOptionsSchema, args);
  const agents = await withAos(context, (aos) => aos.agents.list(options));
  printAgents(context, agents);
  return EXIT_CODES.ok;
}
