import type { CliIo, ExitCode } from '@aos/proof/cli-kit';
import { InvalidInputError, tenantIdSchema, withOps } from '@aos/core/ops';
import { parseVerifierKey } from '@aos/proof';
import { z } from 'zod';
import { DurationSchema, parseFlags, PositiveIntFlagSchema, type GlobalOptions } from '../flags';
import type { AuditJson } from '../json-shapes';
import { opsConfig } from '../ops-config';
import { renderAudit, writeDocument } from '../render';

const AuditFlags = z.object({
  tenantId: tenantIdSchema.optional(),
  limit: PositiveIntFlagSchema.optional(),
  trustedKey: z.array(z.string()).default([]),
  progressEvery: PositiveIntFlagSchema,
  staleAfter: DurationSchema,
});

// Checked here too, so a bad value is refused naming the flag before anything is opened.
function checkTrustedKeys(texts: readonly string[]): void {
  for (const text of texts) {
    try {
      parseVerifierKey(text);
    } catch (error) {
      throw new InvalidInputError(`--trusted-key: ${(error as Error).message}`, {
        field: '--trusted-key',
        cause: error,
      });
    }
  }
}

/**
 * `int-cli audit [--tenant-id T] [--limit N] [--stale-after 15m]`: `ops.audit.run` verifies
 * every sealed trace in batches (progress on stderr every --progress-every traces), then checks
 * coverage: orphan traces, unsealed traces of finished runs, runs stuck `running` longer than
 * --stale-after (the rule of `int-cli recover --older-than`), runs with no trace, deleted runs,
 * whether the number of traces matches the runs that should have one, and every tenant log
 * (density, roots against every checkpoint, stored nodes, each leaf against its run's sealed
 * trace, every sealed trace in its log or queued for it). Every finding is
 * listed (and in `findings` with --json); the exit code is 5 if there is any. Trusted keys: the
 * deployment's key set (current and retired verifier keys) and `--trusted-key` values.
 */
export async function runAudit(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(AuditFlags, args);
  checkTrustedKeys(flags.trustedKey);
  const started = performance.now();
  const document = await withOps(opsConfig(g, io), async (ops): Promise<AuditJson> => {
    // The key set's warnings come first, before the progress lines; reading it loads no private key.
    for (const warning of (await ops.keys.show()).warnings) io.stderr.write(`warning: ${warning}\n`);
    let reported = 0;
    const report = await ops.audit.run(
      {
        tenantId: flags.tenantId,
        limit: flags.limit,
        trustedKeys: flags.trustedKey,
        staleAfterMs: flags.staleAfter,
        batchSize: flags.progressEvery,
      },
      ({ checked, total }) => {
        if (checked - reported < flags.progressEvery && checked < total) return;
        reported = checked;
        io.stderr.write(`audit: ${checked}/${total} sealed traces checked\n`);
      },
    );
    return {
      tenant_id: report.tenant_id,
      trusted_keys: report.trusted_keys.map((k) => ({ ...k, source: k.source === 'caller' ? 'flag' : k.source })),
      checked: report.checked,
      verified: report.verified,
      failed: report.failures.length,
      unsealed: report.unsealed,
      traces: report.traces,
      runs_expecting_trace: report.runs_expecting_trace,
      stale_after_ms: report.stale_after_ms,
      logs: report.logs,
      log_queued: report.log_queued,
      failures: report.failures,
      findings: report.findings,
      duration_ms: Math.round(performance.now() - started),
    };
  });
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderAudit(io, document));
  return document.findings.length > 0 ? 5 : 0;
}
