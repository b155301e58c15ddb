import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/schema';
import { parseInput, tenantIdSchema } from '../validation';

/** The default quotas (README, "Budgets"), used when a tenant has no quota row. */
export const DEFAULT_QUOTA = {
  daily_limit_cents: 10_000,
  hourly_limit_cents: 1_000,
  request_limit_cents: 100,
  run_limit_cents: 500,
  warn_threshold: 0.8,
  hard_limit: true,
} as const;

/** A tenant's limits and where they came from. */
export interface TenantQuotaView {
  readonly tenant_id: string;
  readonly daily_limit_cents: number;
  readonly hourly_limit_cents: number;
  readonly request_limit_cents: number;
  readonly run_limit_cents: number;
  readonly warn_threshold: number;
  readonly hard_limit: boolean;
  /** `stored` when the tenant has its own row, `default` when the default quotas (README, "Budgets") apply. */
  readonly source: 'stored' | 'default';
}

const cents = z.number().finite().nonnegative().max(1e12);

/** Fields `setTenantQuota` accepts; every one is optional. */
export const QuotaPatchSchema = z
  .object({
    daily_limit_cents: cents,
    hourly_limit_cents: cents,
    request_limit_cents: cents,
    run_limit_cents: cents,
    warn_threshold: z.number().gt(0).max(1),
    hard_limit: z.boolean(),
  })
  .partial()
  .strict();
export type QuotaPatch = z.infer<typeof QuotaPatchSchema>;

/**
 * Reads a tenant's quota from storage (defaults when it has none).
 *
 * @example
 * ```ts
 * const quota = await getTenantQuota(db, 'acme')
 * console.log(quota.daily_limit_cents, quota.source)
 * ```
 */
export async function getTenantQuota(db: Kysely<Database>, tenantId: string): Promise<TenantQuotaView> {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  const row = await db.selectFrom('tenant_quotas').selectAll().where('tenant_id', '=', tenant).executeTakeFirst();
  if (!row) return { tenant_id: tenant, ...DEFAULT_QUOTA, source: 'default' };
  return {
    tenant_id: row.tenant_id,
    daily_limit_cents: row.daily_limit_cents,
    hourly_limit_cents: row.hourly_limit_cents,
    request_limit_cents: row.request_limit_cents,
    run_limit_cents: row.run_limit_cents,
    warn_threshold: row.warn_threshold,
    hard_limit: row.hard_limit,
    source: 'stored',
  };
}

/**
 * Sets some of a tenant's limits (the others keep their current or default values).
 * Invalid values are refused before anything is written.
 *
 * @example
 * ```ts
 * await setTenantQuota(db, 'acme', { daily_limit_cents: 5000, hard_limit: true })
 * ```
 */
export async function setTenantQuota(
  db: Kysely<Database>,
  tenantId: string,
  patch: QuotaPatch,
): Promise<TenantQuotaView> {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  const values = parseInput(QuotaPatchSchema, patch, 'quota');
  await db
    .insertInto('tenant_quotas')
    .values({ tenant_id: tenant, ...DEFAULT_QUOTA, ...values })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ ...values, updated_at: new Date() }))
    .execute();
  return getTenantQuota(db, tenant);
}
