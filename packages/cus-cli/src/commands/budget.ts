import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printBudget } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli budget`. */
export const BudgetOptionsSchema = z.object({ tenantId: tenantIdOption.optional() });

/** `budget`: the tenant's limits and its spend this hour and today (SPEC §8). */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(BudgetOptionsSchema, args);
  const budget = await withAos(context, (aos, tenantId) => aos.budget.get({ tenantId }), {
    given: options.tenantId,
    command: 'budget',
  });
  printBudget(context, budget);
  return EXIT_CODES.ok;
}
