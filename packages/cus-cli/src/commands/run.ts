import { z } from 'zod';
import { CreateRunInputSchema, goalSchema, originSystemIdSchema } from '@aos/core';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { createRunNarrator, printRunResult } from '../render';
import { withAos } from '../aos-session';

/** Options of `cus-cli run`. */
export const RunOptionsSchema = z.object({
  agentId: uuidOption,
  goal: goalSchema,
  tenantId: tenantIdOption,
  originSystemId: originSystemIdSchema,
  idempotencyKey: CreateRunInputSchema.shape.idempotencyKey,
  verbose: z.boolean(),
});

/**
 * `run`: creates the run and executes it to a terminal status (the facade's `runs.run`).
 * Exit 0 when it succeeded, 4 when it finished otherwise.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { verbose, ...input } = parseOptions(RunOptionsSchema, args);
  const narrator = createRunNarrator(context, { ...input, verbose });
  const outcome = await withAos(context, (aos) => {
    narrator.begin();
    return aos.runs.run(input, { onEvent: narrator.onEvent });
  });
  narrator.end(outcome);
  printRunResult(context, outcome);
  return outcome.run.status === 'succeeded' ? EXIT_CODES.ok : EXIT_CODES.runNotSucceeded;
}
