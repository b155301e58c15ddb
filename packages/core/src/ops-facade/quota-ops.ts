import { getTenantSpend } from '../budget/budget-guard';
import { getTenantQuota, QuotaPatchSchema, setTenantQuota, type TenantQuotaView } from '../budget/tenant-quotas';
import { parseInput, tenantIdSchema } from '../validation';
import type { OpsContext } from './ops-context';
import type { AosOps, TenantQuotaReport } from './ops-types';

/** `quotas`: a tenant's limits, read or changed, each time with the spend they limit. */
export function quotaOps(ctx: OpsContext): AosOps['quotas'] {
  const withSpend = async (quota: TenantQuotaView): Promise<TenantQuotaReport> => {
    const spend = await getTenantSpend(await ctx.forTenant(quota.tenant_id), quota.tenant_id);
    return { quota, spend: { daily_cents: spend.daily, hourly_cents: spend.hourly } };
  };
  return {
    async get(tenantId) {
      // Checked before the store is opened: bad input opens (and so creates) nothing.
      const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
      return withSpend(await getTenantQuota(await ctx.forTenant(tenant), tenant));
    },
    async set(tenantId, patch) {
      const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
      const values = parseInput(QuotaPatchSchema, patch, 'quota');
      return withSpend(await setTenantQuota(await ctx.forTenant(tenant), tenant, values));
    },
  };
}
