import { recoverStaleRuns, tenantIdSchema, type CliIo, type ExitCode } from '@aos/core';
import { z } from 'zod';
import { DurationSchema, parseFlags, type GlobalOptions } from '../flags';
import type { RecoverJson } from '../json-shapes';
import { renderRecover, writeDocument } from '../render';
import { withRuntime } from '../store';

const RecoverFlags = z.object({ olderThan: DurationSchema, tenantId: tenantIdSchema.optional() });

/**
 * `int-cli recover [--older-than 15m] [--tenant-id T]`: finishes runs a crashed process left
 * `running` through core's recoverStaleRuns — run failed, trace aborted and sealed over every
 * step it had appended. `--older-than 0` takes every running run: only safe when no process
 * is executing runs.
 */
export async function runRecover(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(RecoverFlags, args);
  const recovered = await withRuntime(g, io, async (runtime) =>
    recoverStaleRuns(runtime.store.db, {
      // Recovery seals the traces it finishes.
      signingKey: await runtime.signer(),
      olderThanMs: flags.olderThan,
      tenantId: flags.tenantId,
    }),
  );
  const document: RecoverJson = {
    older_than_ms: flags.olderThan,
    tenant_id: flags.tenantId ?? null,
    recovered: recovered.map((r) => ({
      run_id: r.runId,
      tenant_id: r.tenantId,
      status: 'failed' as const,
      step_count: r.stepCount,
      trace_sealed: r.traceSealed,
    })),
  };
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderRecover(document));
  return 0;
}
