import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { printAgentChanged } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli pause-agent`, `resume-agent` and `archive-agent`. */
export const AgentLifecycleOptionsSchema = z.object({ agent_id: uuidOption, tenantId: tenantIdOption.optional() });

const VERBS = { pause: 'Paused', resume: 'Resumed', archive: 'Archived' } as const;

/**
 * `pause-agent`, `resume-agent`, `archive-agent`: one facade call on one of the tenant's own
 * agents. An archived agent cannot be resumed (AGENT_ARCHIVED, exit 2); a shared agent is the
 * operator's (FORBIDDEN, exit 6); another tenant's is not found (3).
 */
export async function changeAgent(
  action: keyof typeof VERBS,
  args: ParsedArgs,
  context: CommandContext,
): Promise<ExitCode> {
  const options = parseOptions(AgentLifecycleOptionsSchema, args);
  const agent = await withAos(context, (aos, tenantId) => aos.agents[action]({ tenantId, agentId: options.agent_id }), {
    given: options.tenantId,
    command: `${action}-agent`,
  });
  printAgentChanged(context, VERBS[action], agent);
  return EXIT_CODES.ok;
}
