import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { tenantIdSchema, withOps } from '@aos/core/ops';
import { z } from 'zod';
import { DurationSchema, parseFlags, type GlobalOptions } from '../flags';
import type { RecoverJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderRecover, writeDocument } from '../render';

const RecoverFlags = z.object({ olderThan: DurationSchema, tenantId: tenantIdSchema.optional() });

/**
 * `int-cli recover [--older-than 15m] [--tenant-id T]`: finishes runs a crashed process left
 * `running` (`ops.recovery.recoverStale`) — run failed, trace aborted and sealed over every
 * step it had appended. `--older-than 0` takes every running run: only safe when no process
 * is executing runs.
 */
export async function runRecover(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(RecoverFlags, args);
  const document: RecoverJson = await withOps(opsConfig(g, io), (ops) =>
    ops.recovery.recoverStale({ olderThanMs: flags.olderThan, tenantId: flags.tenantId }),
  );
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderRecover(document));
  return 0;
}
