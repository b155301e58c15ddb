import { z } from 'zod';
import { CreateRunInputSchema, goalSchema, originSystemIdSchema } from '@aos/core/client';
import { EXIT_CODES, UsageError, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { createRunNarrator, printRunDetached, printRunResult } from '../render';
import { resolveFace, withAos } from '../aos-session';

/** Options of `cus-cli run`. */
export const RunOptionsSchema = z.object({
  agentId: uuidOption,
  goal: goalSchema,
  tenantId: tenantIdOption.optional(),
  originSystemId: originSystemIdSchema,
  idempotencyKey: CreateRunInputSchema.shape.idempotencyKey,
  verbose: z.boolean(),
  detach: z.boolean().default(false),
});

/** The hint printed when a remote run is left going (`--detach`, Ctrl-C). */
export const followHint = (runId: string): string => `Follow it with: cus-cli get-run ${runId} --follow`;

/**
 * `run`: creates the run and executes it to a terminal status (the facade's `runs.run`; remotely
 * the server executes it and progress streams from it). Exit 0 when it succeeded, 4 when it
 * finished otherwise. Remotely, `--detach` returns once the run is created, and Ctrl-C stops
 * following (exit 130) while the run goes on: both print how to follow it.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const { verbose, detach, tenantId: given, ...rest } = parseOptions(RunOptionsSchema, args);
  const remote = resolveFace(context).mode === 'remote';
  if (detach && !remote) {
    throw new UsageError(
      '--detach: needs remote mode (AOS_API_URL, --api-url or cus-cli login): locally the run executes in this process',
    );
  }
  const narrator = createRunNarrator(context, { ...rest, verbose });
  const tenant = { given, command: 'run' };
  if (detach) {
    const created = await withAos(context, (aos, tenantId) => aos.runs.create({ ...rest, tenantId }), tenant);
    printRunDetached(context, created, followHint(created.run.id));
    return EXIT_CODES.ok;
  }
  const outcome = await withAos(
    context,
    async (aos, tenantId) => {
      narrator.begin();
      const input = { ...rest, tenantId };
      if (!remote) return aos.runs.run(input, { onEvent: narrator.onEvent });
      // Remotely the run is the server's once created: Ctrl-C stops following, not the run.
      const { run, created } = await aos.runs.create(input);
      const stopFollowing = (): void => {
        context.io.stderr.write(
          `\nStopped following. Run ${run.id} keeps going on the server.\n${followHint(run.id)}\n`,
        );
        process.exit(130);
      };
      process.once('SIGINT', stopFollowing);
      narrator.created(run.id);
      try {
        const done = await aos.runs.execute({ tenantId, runId: run.id }, { onEvent: narrator.onEvent });
        return { ...done, created };
      } finally {
        process.removeListener('SIGINT', stopFollowing);
      }
    },
    tenant,
  );
  narrator.end(outcome);
  printRunResult(context, outcome);
  return outcome.run.status === 'succeeded' ? EXIT_CODES.ok : EXIT_CODES.runNotSucceeded;
}
