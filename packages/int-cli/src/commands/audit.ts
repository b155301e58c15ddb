import { InvalidInputError, loadVerifierKeySet, tenantIdSchema, type CliIo, type ExitCode } from '@aos/core';
import { parseVerifierKey, type VerifierKey } from '@aos/proof';
import { auditSealedTraces, auditTraceCoverage } from '@aos/proof/postgres';
import { z } from 'zod';
import { DurationSchema, parseFlags, PositiveIntFlagSchema, type GlobalOptions } from '../flags';
import type { AuditJson } from '../json-shapes';
import { renderAudit, writeDocument } from '../render';
import { withStore } from '../store';

const AuditFlags = z.object({
  tenantId: tenantIdSchema.optional(),
  limit: PositiveIntFlagSchema.optional(),
  trustedKey: z.array(z.string()).default([]),
  progressEvery: PositiveIntFlagSchema,
  staleAfter: DurationSchema,
});

/** Traces the coordinator verifies per batch (two queries per batch) at most. */
const MAX_BATCH = 500;

function trustedFlagKeys(texts: readonly string[]): VerifierKey[] {
  return texts.map((text) => {
    try {
      return parseVerifierKey(text);
    } catch (error) {
      throw new InvalidInputError(`--trusted-key: ${(error as Error).message}`, {
        field: '--trusted-key',
        cause: error,
      });
    }
  });
}

/**
 * `int-cli audit [--tenant-id T] [--limit N] [--stale-after 15m]`: the proof coordinator
 * verifies every sealed trace in batches (the same checks as `getRunProof`, two queries per
 * batch; progress on stderr), then checks coverage (`auditTraceCoverage`): orphan traces,
 * unsealed traces of finished runs, runs stuck `running` longer than --stale-after (the rule of
 * `int-cli recover --older-than`), runs with no trace, deleted runs, and whether the number of
 * traces matches the runs that should have one. Every finding is listed (and in `findings` with
 * --json); the exit code is 5 if there is any. Trusted keys: the deployment's key set (current
 * and retired verifier keys, as `loadVerifierKeySet` reads them) and `--trusted-key` values.
 */
export async function runAudit(args: Record<string, unknown>, g: GlobalOptions, io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(AuditFlags, args);
  const extra = trustedFlagKeys(flags.trustedKey);
  // The deployment's key set (current and retired keys), read without loading a private key.
  const keySet = await loadVerifierKeySet(io.env);
  for (const warning of keySet.warnings) io.stderr.write(`warning: ${warning}\n`);
  const trustedKeys = [...keySet.keys, ...extra];
  const started = performance.now();

  const document = await withStore(g, io, async (store): Promise<AuditJson> => {
    let reported = 0;
    const audit = await auditSealedTraces(store.db, {
      trustedKeys,
      tenantId: flags.tenantId,
      limit: flags.limit,
      batchSize: Math.min(MAX_BATCH, flags.progressEvery),
      onProgress: (checked, total) => {
        if (checked - reported < flags.progressEvery && checked < total) return;
        reported = checked;
        io.stderr.write(`audit: ${checked}/${total} sealed traces checked\n`);
      },
    });
    const coverage = await auditTraceCoverage(store.db, { tenantId: flags.tenantId, staleAfterMs: flags.staleAfter });
    return {
      tenant_id: flags.tenantId ?? null,
      trusted_keys: [
        ...keySet.keys.map((k) => ({
          verifier_key: k.verifierKey,
          source: k.source,
          status: k.status,
          retired_at: k.retiredAt,
        })),
        ...extra.map((k) => ({ verifier_key: k.verifierKey, source: 'flag' as const, status: null, retired_at: null })),
      ],
      checked: audit.checked,
      verified: audit.verified,
      failed: audit.failed.length,
      unsealed: coverage.unsealed,
      traces: coverage.traces,
      runs_expecting_trace: coverage.runs_expecting_trace,
      stale_after_ms: flags.staleAfter,
      failures: audit.failed.map((f) => ({
        run_id: f.run_id,
        tenant_id: f.tenant_id,
        trace_id: f.trace_id,
        reason: f.failure_reason,
        first_divergent_step: f.first_divergent_step,
      })),
      findings: [...audit.findings, ...coverage.findings],
      duration_ms: Math.round(performance.now() - started),
    };
  });
  if (g.json) writeDocument(io, document);
  else io.stdout.write(renderAudit(io, document));
  return document.findings.length > 0 ? 5 : 0;
}
