import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { printRunCancelled } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli cancel-run`. */
export const CancelRunOptionsSchema = z.object({ run_id: uuidOption, tenantId: tenantIdOption.optional() });

/**
 * `cancel-run`: a queued or retrying run ends `halted` with error `cancelled`, its trace sealed.
 * A run being executed is RUN_EXECUTING (exit 1: try again); a finished one is RUN_FINISHED
 * (exit 2); another tenant's is not found (3).
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(CancelRunOptionsSchema, args);
  const run = await withAos(context, (aos, tenantId) => aos.runs.cancel({ tenantId, runId: options.run_id }), {
    given: options.tenantId,
    command: 'cancel-run',
  });
  printRunCancelled(context, run);
  return EXIT_CODES.ok;
}
