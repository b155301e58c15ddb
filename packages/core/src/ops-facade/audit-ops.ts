import { parseVerifierKey, type VerifierKey } from '@aos/proof';
import { auditSealedTraces, auditTenantLogs, auditTraceCoverage } from '@aos/proof/postgres';
import { z } from 'zod';
import { InvalidInputError } from '../errors';
import { loadVerifierKeySet } from '../keys/verifier-key-set';
import { DEFAULT_STALE_AFTER_MS } from '../runner/stale-run-recovery';
import { parseInput, tenantIdSchema } from '../validation';
import type { OpsContext } from './ops-context';
import type { AosOps } from './ops-types';

/** Traces the coordinator verifies per batch (two queries per batch) at most. */
const MAX_BATCH = 500;

const AuditOptionsSchema = z
  .object({
    tenantId: tenantIdSchema.optional(),
    limit: z.number().int().min(1).optional(),
    trustedKeys: z.array(z.string()).default([]),
    staleAfterMs: z.number().int().min(0).default(DEFAULT_STALE_AFTER_MS),
    batchSize: z.number().int().min(1).default(MAX_BATCH),
  })
  .strict();

function callerKeys(texts: readonly string[]): VerifierKey[] {
  return texts.map((text, i) => {
    try {
      return parseVerifierKey(text);
    } catch (error) {
      const field = `audit.trustedKeys.${i}`;
      throw new InvalidInputError(`invalid ${field}: ${(error as Error).message}`, { field, cause: error });
    }
  });
}

/**
 * `audit`: the proof coordinator verifies every sealed trace in batches (the checks of
 * `getRunProof`), then `auditTraceCoverage` checks runs and traces against each other: orphan
 * traces, unsealed traces of finished runs, stale running runs, runs with no trace, deleted
 * runs, and whether the counts agree; then `auditTenantLogs` re-derives every tenant log (SPEC §13:
 * density, roots against every checkpoint, stored nodes, each leaf against its run's sealed
 * trace, every sealed trace logged or queued). `limit` bounds the traces verified, not the logs.
 * Trusted: the deployment's key set (current and retired, read without loading a private key)
 * and the caller's `trustedKeys`.
 */
export function auditOps(ctx: OpsContext): AosOps['audit'] {
  return {
    async run(options = {}, onProgress) {
      const opts = parseInput(AuditOptionsSchema, options, 'audit');
      const extra = callerKeys(opts.trustedKeys);
      const keySet = await loadVerifierKeySet(ctx.env);
      const db = await ctx.audit();
      const audit = await auditSealedTraces(db, {
        trustedKeys: [...keySet.keys, ...extra],
        tenantId: opts.tenantId,
        limit: opts.limit,
        batchSize: Math.min(MAX_BATCH, opts.batchSize),
        onProgress: (checked, total) => onProgress?.({ checked, total }),
      });
      const coverage = await auditTraceCoverage(db, { tenantId: opts.tenantId, staleAfterMs: opts.staleAfterMs });
      const logs = await auditTenantLogs(db, {
        trustedKeys: [...keySet.keys, ...extra],
        tenantId: opts.tenantId,
        staleAfterMs: opts.staleAfterMs,
      });
      return {
        tenant_id: opts.tenantId ?? null,
        trusted_keys: [
          ...keySet.keys.map((k) => ({
            verifier_key: k.verifierKey,
            source: k.source,
            status: k.status,
            retired_at: k.retiredAt,
          })),
          ...extra.map((k) => ({
            verifier_key: k.verifierKey,
            source: 'caller' as const,
            status: null,
            retired_at: null,
          })),
        ],
        checked: audit.checked,
        verified: audit.verified,
        failures: audit.failed.map((f) => ({
          run_id: f.run_id,
          tenant_id: f.tenant_id,
          trace_id: f.trace_id,
          reason: f.failure_reason,
          first_divergent_step: f.first_divergent_step,
        })),
        unsealed: coverage.unsealed,
        traces: coverage.traces,
        runs_expecting_trace: coverage.runs_expecting_trace,
        stale_after_ms: opts.staleAfterMs,
        logs: logs.logs,
        log_queued: logs.queued,
        findings: [...audit.findings, ...coverage.findings, ...logs.findings],
      };
    },
  };
}
