import { z } from 'zod';
import { CreateAgentInputSchema, createAgent, EXIT_CODES, type ExitCode } from '@aos/core';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printAgentCreated } from '../render';
import { withRuntime } from '../runtime-session';

/** Options of `cus-cli create-agent`. */
export const CreateAgentOptionsSchema = z.object({
  name: CreateAgentInputSchema.shape.name,
  tenantId: tenantIdOption.optional(),
  budgetCents: z
    .number()
    .int('must be a whole number of cents')
    .nonnegative('must not be negative')
    .max(1e12)
    .optional(),
  description: CreateAgentInputSchema.shape.description,
});

/** `create-agent`: prints `Created agent: <uuid>`. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(CreateAgentOptionsSchema, args);
  const agent = await withRuntime(context, (runtime) => createAgent(runtime.store.db, options));
  printAgentCreated(context, agent);
  return EXIT_CODES.ok;
}
