import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { InvalidInputError, withOps } from '@aos/core/ops';
import { z } from 'zod';
import { CentsFlagSchema, parseFlags, type GlobalOptions } from '../flags';
import type { SharedAgentJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderSharedAgent, writeDocument } from '../render';

const CreateFlags = z.object({
  shared: z.boolean(),
  name: z.string(),
  budgetCents: CentsFlagSchema.optional(),
  description: z.string().optional(),
});

/**
 * `int-cli agents create --shared --name N [--budget-cents C] [--description D]`: an agent every
 * tenant may use. Customers create their own tenant's agents with `cus-cli create-agent`.
 */
export async function runAgentsCreate(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(CreateFlags, args);
  if (!flags.shared) {
    throw new InvalidInputError(
      '--shared is required: operators create shared agents only; a tenant creates its own with cus-cli create-agent',
      { field: '--shared' },
    );
  }
  const agent = await withOps(opsConfig(g, io), (ops) =>
    ops.agents.createShared({ name: flags.name, budgetCents: flags.budgetCents, description: flags.description }),
  );
  const document: SharedAgentJson = { agent: { ...agent, tenant_id: null } };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderSharedAgent(document));
  return 0;
}
