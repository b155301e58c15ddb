import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { followRun } from '../follow-run';
import { printRunDetails } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli get-run`. */
export const GetRunOptionsSchema = z.object({
  run_id: uuidOption,
  tenantId: tenantIdOption.optional(),
  follow: z.boolean().default(false),
});

/**
 * `get-run`: one run of the tenant with its plan, trace and steps; another tenant's run is not found (3).
 * `--follow` prints progress on stderr until the run is terminal first.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(GetRunOptionsSchema, args);
  const details = await withAos(
    context,
    (aos, tenantId) => {
      const ref = { tenantId, runId: options.run_id };
      return options.follow ? followRun(context, aos, ref) : aos.runs.get(ref);
    },
    { given: options.tenantId, command: 'get-run' },
  );
  printRunDetails(context, details);
  return EXIT_CODES.ok;
}
