import { z } from 'zod';
import { CreateAgentInputSchema } from '@aos/core/client';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import { wholeNumberOption } from '@aos/proof/cli-kit/schemas';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printAgentCreated } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli create-agent`. */
export const CreateAgentOptionsSchema = z.object({
  name: CreateAgentInputSchema.shape.name,
  tenantId: tenantIdOption.optional(),
  budgetCents: wholeNumberOption(0, 1e12).optional(),
  description: CreateAgentInputSchema.shape.description,
});

/** `create-agent`: prints `Created agent: <uuid>`. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(CreateAgentOptionsSchema, args);
  const agent = await withAos(context, (aos) => aos.agents.create(options));
  printAgentCreated(context, agent);
  return EXIT_CODES.ok;
}
