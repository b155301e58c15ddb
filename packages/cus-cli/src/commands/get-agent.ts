import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { printAgent } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli get-agent`. */
export const GetAgentOptionsSchema = z.object({ agent_id: uuidOption, tenantId: tenantIdOption.optional() });

/** `get-agent`: one agent the tenant can use (its own or a shared one); any other is not found (3). */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(GetAgentOptionsSchema, args);
  const agent = await withAos(context, (aos, tenantId) => aos.agents.get({ tenantId, agentId: options.agent_id }), {
    given: options.tenantId,
    command: 'get-agent',
  });
  printAgent(context, agent);
  return EXIT_CODES.ok;
}
