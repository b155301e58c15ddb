import type { Aos, RunRef } from '@aos/core/client';
import type { RunDetailsView } from '@aos/core/contract';
import type { CommandContext } from './context';
import { printFollowedStep, printFollowedStatus } from './render';

const TERMINAL: ReadonlySet<string> = new Set(['succeeded', 'failed', 'halted']);
const POLL_MS = 500;

/**
 * Reads a run through the facade until it is terminal and its trace (if any) sealed, printing on
 * stderr each new step and each status change, and returns its final details. The same loop in
 * both modes: locally it reads the store, remotely the API.
 */
export async function followRun(context: CommandContext, aos: Aos, ref: RunRef): Promise<RunDetailsView> {
  let seen = 0;
  let status: string | null = null;
  for (;;) {
    const details = await aos.runs.get(ref);
    if (details.run.status !== status) {
      status = details.run.status;
      printFollowedStatus(context, details.run);
    }
    for (const step of details.steps.slice(seen)) printFollowedStep(context, step);
    seen = details.steps.length;
    const sealed = details.trace === null || details.trace.sealed_at !== null;
    if (TERMINAL.has(details.run.status) && sealed) return details;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
