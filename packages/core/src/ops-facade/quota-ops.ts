import type { Kysely } from 'kysely';
import { withSpend } from '../budget/budget-report';
import { getTenantQuota, QuotaPatchSchema, setTenantQuota, type TenantQuotaView } from '../budget/tenant-quotas';
import type { Database } from '../db/schema';
import { parseInput, tenantIdSchema } from '../validation';
import type { OpsContext } from './ops-context';
import type { AosOps, TenantQuotaReport } from './ops-types';

/** `quotas`: a tenant's limits, read or changed, each time with the spend they limit. */
export function quotaOps(ctx: OpsContext): AosOps['quotas'] {
  const report = async (
    tenant: string,
    read: (db: Kysely<Database>) => Promise<TenantQuotaView>,
  ): Promise<TenantQuotaReport> => {
    const db = await ctx.forTenant(tenant);
    return withSpend(db, await read(db));
  };
  return {
    async get(tenantId) {
      // Checked before the store is opened: bad input opens (and so creates) nothing.
      const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
      return report(tenant, (db) => getTenantQuota(db, tenant));
    },
    async set(tenantId, patch) {
      const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
      const values = parseInput(QuotaPatchSchema, patch, 'quota');
      return report(tenant, (db) => setTenantQuota(db, tenant, values));
    },
  };
}
