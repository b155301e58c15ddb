import { z } from 'zod';
import { loadVerifierKeySet } from '../keys/verifier-key-set';
import { drainTenantLog, pendingTenantLogs } from '../tenant-log/log-sequencer';
import { DEFAULT_STALE_AFTER_MS, recoverStaleRuns } from '../runner/stale-run-recovery';
import { parseInput, tenantIdSchema } from '../validation';
import type { OpsContext } from './ops-context';
import type { AosOps } from './ops-types';

const RecoveryOptionsSchema = z
  .object({
    olderThanMs: z.number().int().min(0).default(DEFAULT_STALE_AFTER_MS),
    tenantId: tenantIdSchema.optional(),
  })
  .strict();

/**
 * `recovery`: finishes runs a crashed process left `running` through `recoverStaleRuns` — run
 * failed, trace aborted and sealed over every step it had appended. It seals, so it is one of
 * the two places that load the signing key.
 */
export function recoveryOps(ctx: OpsContext): AosOps['recovery'] {
  return {
    async recoverStale(options = {}) {
      const opts = parseInput(RecoveryOptionsSchema, options, 'recovery');
      // Found across tenants (aos_audit), each finished as its own tenant.
      const signingKey = await ctx.signer();
      const trustedKeys = (await loadVerifierKeySet(ctx.env)).keys;
      const recovered = await recoverStaleRuns(await ctx.audit(), {
        forTenant: (tenantId) => ctx.forTenant(tenantId),
        signingKey,
        trustedKeys,
        olderThanMs: opts.olderThanMs,
        tenantId: opts.tenantId,
      });
      // Seals a crash left queued for their tenant logs (no sequencer ran) join them now.
      for (const { tenantId } of await pendingTenantLogs(await ctx.admin())) {
        if (opts.tenantId !== undefined && tenantId !== opts.tenantId) continue;
        await drainTenantLog(await ctx.forTenant(tenantId), tenantId, { signingKey, trustedKeys });
      }
      return {
        older_than_ms: opts.olderThanMs,
        tenant_id: opts.tenantId ?? null,
        recovered: recovered.map((r) => ({
          run_id: r.runId,
          tenant_id: r.tenantId,
          status: 'failed' as const,
          step_count: r.stepCount,
          trace_sealed: r.traceSealed,
        })),
      };
    },
  };
}
