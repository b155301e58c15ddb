import { z } from 'zod';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import { wholeNumberOption } from '@aos/proof/cli-kit/schemas';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, runStatusOption, tenantIdOption } from '../options';
import { printRuns } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli list-runs`. */
export const ListRunsOptionsSchema = z.object({
  tenantId: tenantIdOption.optional(),
  status: runStatusOption.optional(),
  limit: wholeNumberOption(1, 1000),
  // Opaque: the facade decodes it (locally or on the server) and refuses a malformed one.
  cursor: z.string().min(1, 'must not be empty').optional(),
});

/** `list-runs`: a page of a tenant's runs, newest first. */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(ListRunsOptionsSchema, args);
  const page = await withAos(context, (aos, tenantId) => aos.runs.list({ ...options, tenantId }), {
    given: options.tenantId,
    command: 'list-runs',
  });
  const again = [
    'list-runs',
    ...(options.tenantId === undefined ? [] : ['--tenant-id', options.tenantId]),
    ...(options.status === undefined ? [] : ['--status', options.status]),
    '--limit',
    String(options.limit),
  ];
  printRuns(context, page, again);
  return EXIT_CODES.ok;
}
