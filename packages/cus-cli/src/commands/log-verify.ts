import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { CliError, EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import type { CommandContext, ParsedArgs } from '../context';
import { parseOptions, tenantIdOption } from '../options';
import { printCheckpointSaved, printLogVerification } from '../render';
import { withAos } from '../aos-session';
import { checkpointNoteSize, checkpointStoreFor } from '../checkpoint-store';
import type { LogVerifyJson } from '../json-shapes';

/** Options of `cus-cli log verify`. */
export const LogVerifyOptionsSchema = z.object({
  tenantId: tenantIdOption.optional(),
  since: z.string().min(1, 'name a checkpoint note file').optional(),
});

/** Reads `--since FILE`: a usage error (exit 2) when it cannot be read or is not a signed checkpoint note. */
async function readSinceFile(file: string): Promise<string> {
  let note: string;
  try {
    note = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as { code?: unknown }).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new CliError('INVALID_INPUT', `--since: cannot read ${file}: ${reason}`, EXIT_CODES.usage);
  }
  try {
    checkpointNoteSize(note);
  } catch (error) {
    throw new CliError('INVALID_INPUT', `--since: ${file} is ${(error as Error).message}`, EXIT_CODES.usage);
  }
  return note;
}

/**
 * `log verify`: checks the tenant's newest checkpoint against the trusted keys and that the log
 * extends the checkpoint saved here (or the one in `--since FILE`) — SPEC §13, customers are
 * witnesses. Exit 0 when VERIFIED, 5 when FAILED (a rewritten, truncated or forked log). When
 * VERIFIED without `--since`, the newest checkpoint becomes the saved one.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(LogVerifyOptionsSchema, args);
  const given = options.since === undefined ? undefined : await readSinceFile(options.since);
  const checkpoints = checkpointStoreFor(context);
  const document = await withAos(
    context,
    async (aos, tenantId): Promise<LogVerifyJson> => {
      const saved = given === undefined ? await checkpoints.read(tenantId) : null;
      const since =
        options.since !== undefined
          ? { path: options.since, source: 'file' as const }
          : saved && { path: saved.path, source: 'saved' as const };
      const verdict = await aos.log.verify({ tenantId, since: given ?? saved?.note });
      let kept = null;
      if (verdict.verification_status === 'VERIFIED' && verdict.checkpoint !== null && given === undefined) {
        kept = await checkpoints.save(tenantId, verdict.checkpoint);
      }
      if (kept?.updated) printCheckpointSaved(context, kept);
      return { ...verdict, since, saved: kept?.updated ?? false };
    },
    { given: options.tenantId, command: 'log verify' },
  );
  printLogVerification(context, document);
  return document.verification_status === 'VERIFIED' ? EXIT_CODES.ok : EXIT_CODES.notVerified;
}
