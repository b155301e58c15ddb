import { z } from 'zod';
import { CreateRunInputSchema, goalSchema, originSystemIdSchema, type Aos, type RunEvent } from '@aos/core/client';
import type { RunOutcome } from '@aos/core/contract';
import { EXIT_CODES, UsageError, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import {
  createRunNarrator,
  printRemoteRunLeft,
  printRunDetached,
  printRunInterrupted,
  printRunResult,
  type RunNarrator,
} from '../render';
import { resolveFace, withAos } from '../aos-session';
import { readGoal } from '../read-goal';

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
 * finished otherwise. Locally, Ctrl-C halts the run (see {@link runInterruptibly}) and exits 130.
 * Remotely, `--detach` returns once the run is created, and Ctrl-C stops following (exit 130)
 * while the run goes on: both print how to follow it.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const {
    verbose,
    detach,
    tenantId: given,
    ...rest
  } = parseOptions(RunOptionsSchema, {
    ...args,
    goal: await goalOf(args, context),
  });
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
      if (!remote) return runInterruptibly(context, aos, input, narrator);
      // Remotely the run is the server's once created: Ctrl-C stops following, not the run.
      const { run, created } = await aos.runs.create(input);
      const stopFollowing = new AbortController();
      const onSigint = (): void => stopFollowing.abort();
      // Once: a second Ctrl-C while the run is read a last time ends the command by the signal.
      // Listening before the id is printed: a Ctrl-C right after it must not kill the process.
      process.once('SIGINT', onSigint);
      narrator.created(run.id);
      try {
        const done = await aos.runs.execute(
          { tenantId, runId: run.id },
          { onEvent: narrator.onEvent, interrupt: stopFollowing.signal },
        );
        return { ...done, created, interrupted: stopFollowing.signal.aborted };
      } finally {
        process.removeListener('SIGINT', onSigint);
      }
    },
    tenant,
  );
  if (outcome.interrupted && remote) {
    printRemoteRunLeft(context, outcome.run.id, followHint(outcome.run.id));
    process.exit(INTERRUPTED_EXIT);
  }
  narrator.end(outcome);
  printRunResult(context, outcome);
  if (outcome.interrupted) {
    printRunInterrupted(context, 'ended', { id: outcome.run.id, tenantId: outcome.run.tenant_id });
    // As for any command Ctrl-C ends (docs/cus-cli.md, "Exit codes"), once the run is sealed.
    process.exit(INTERRUPTED_EXIT);
  }
  return outcome.run.status === 'succeeded' ? EXIT_CODES.ok : EXIT_CODES.runNotSucceeded;
}

/** The goal text from `--goal`, `--goal -` or `--goal-file` (a repeated flag is left to the schema). */
async function goalOf(args: ParsedArgs, context: CommandContext): Promise<unknown> {
  const { goal, goalFile } = args;
  const text = (value: unknown): value is string | undefined => value === undefined || typeof value === 'string';
  if (!text(goal) || !text(goalFile)) return goal ?? goalFile;
  return readGoal({ goal, goalFile }, context.io);
}

/** The shell's code for a command ended by SIGINT. */
const INTERRUPTED_EXIT = 130;

/**
 * A local run, executed here: the first Ctrl-C lets the step in progress finish and ends the run
 * `halted` ("interrupted by the user") with its trace sealed; a second one exits at once,
 * leaving the run for `int-cli recover`.
 */
async function runInterruptibly(
  context: CommandContext,
  aos: Aos,
  input: Parameters<Aos['runs']['run']>[0],
  narrator: RunNarrator,
): Promise<RunOutcome & { interrupted: boolean }> {
  const interrupt = new AbortController();
  let runId: string | null = null;
  const onSigint = (): void => {
    const run = { id: runId, tenantId: input.tenantId };
    if (interrupt.signal.aborted) {
      printRunInterrupted(context, 'left', run);
      process.exit(INTERRUPTED_EXIT);
    }
    printRunInterrupted(context, 'stopping', run);
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const onEvent = (event: RunEvent): void => {
      runId = event.runId;
      narrator.onEvent(event);
    };
    const outcome = await aos.runs.run(input, { onEvent, interrupt: interrupt.signal });
    return { ...outcome, interrupted: interrupt.signal.aborted };
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
