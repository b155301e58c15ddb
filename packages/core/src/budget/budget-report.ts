import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { getTenantSpend } from './budget-guard';
import { getTenantQuota, type TenantQuotaView } from './tenant-quotas';

/** A tenant's limits with the spend they limit (current hour and day). */
export interface TenantBudget {
  readonly quota: TenantQuotaView;
  readonly spend: { readonly daily_cents: number; readonly hourly_cents: number };
}

/** The spend `quota` limits, read beside it. */
export async function withSpend(db: Kysely<Database>, quota: TenantQuotaView): Promise<TenantBudget> {
  const spend = await getTenantSpend(db, quota.tenant_id);
  return { quota, spend: { daily_cents: spend.daily, hourly_cents: spend.hourly } };
}

/**
 * A tenant's quota (the defaults when it has none) and its spend now, read through `db`.
 *
 * @example
 * ```ts
 * const { quota, spend } = await readTenantBudget(db, 'acme')
 * console.log(`${spend.daily_cents} of ${quota.daily_limit_cents} cents today`)
 * ```
 */
export async function readTenantBudget(db: Kysely<Database>, tenantId: string): Promise<TenantBudget> {
  return withSpend(db, await getTenantQuota(db, tenantId));
}
