import { z } from 'zod';
import { EXIT_CODES, goalSchema, originSystemIdSchema, type ExitCode } from '@aos/core';
import { CreateRunInputSchema, runGoal } from '@aos/core/runs';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { createRunNarrator, printRunResult } from '../render';
import { withRuntime } from '../runtime-session';

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
 * `run`: creates the run and executes it inline to a terminal status (core's runGoal).
 * Exit 0 when it succeeded, 4 when it finished otherwise.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(RunOptionsSchema, args);
  const narrator = createRunNarrator(context, options);
  return withRuntime(context, async (runtime) => {
    // Loaded (or created) before the run is: a key problem leaves no run behind.
    const signingKey = await runtime.signer();
    narrator.begin();
    const result = await runGoal(
      runtime.store.db,
      {
        tenantId: options.tenantId,
        agentId: options.agentId,
        goal: options.goal,
        originSystemId: options.originSystemId,
        idempotencyKey: options.idempotencyKey,
      },
      { registry: runtime.registry, env: runtime.env, signingKey, onEvent: narrator.onEvent },
    );
    narrator.end(result);
    printRunResult(context, result);
    return result.run.status === 'succeeded' ? EXIT_CODES.ok : EXIT_CODES.runNotSucceeded;
  });
}
