import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { printRunDetails } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli get-run`. */
export const GetRunOptionsSchema = z.object({ run_id: uuidOption, tenantId: tenantIdOption });

/** `get-run`: one run of the tenant with its plan, trace and steps; another tenant's run is not found (3). */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(GetRunOptionsSchema, args);
  const details = await withAos(context, (aos) => aos.runs.get({ tenantId: options.tenantId, runId: options.run_id }));
  printRunDetails(context, details);
  return EXIT_CODES.ok;
}
