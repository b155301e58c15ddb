import { z } from 'zod';
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
      const recovered = await recoverStaleRuns(await ctx.audit(), {
        forTenant: (tenantId) => ctx.forTenant(tenantId),
        signingKey: await ctx.signer(),
        olderThanMs: opts.olderThanMs,
        tenantId: opts.tenantId,
      });
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
