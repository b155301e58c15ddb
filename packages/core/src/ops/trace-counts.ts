import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { parseInput, tenantIdSchema } from '../validation';

/** How many traces exist, sealed or not (for an audit's summary). */
export interface TraceCounts {
  readonly sealed: number;
  readonly unsealed: number;
}

/**
 * Counts sealed and not-yet-sealed traces, optionally of one tenant.
 *
 * @example
 * ```ts
 * const { sealed, unsealed } = await countTraces(db)
 * ```
 */
export async function countTraces(
  db: Kysely<Database>,
  options: { tenantId?: string | undefined } = {},
): Promise<TraceCounts> {
  const tenantId =
    options.tenantId === undefined ? undefined : parseInput(tenantIdSchema, options.tenantId, 'tenant_id');
  let query = db
    .selectFrom('aos_traces')
    .select([
      sql<number>`count(*) FILTER (WHERE sealed_at IS NOT NULL)::int`.as('sealed'),
      sql<number>`count(*) FILTER (WHERE sealed_at IS NULL)::int`.as('unsealed'),
    ]);
  if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
  const row = await query.executeTakeFirst();
  return { sealed: row?.sealed ?? 0, unsealed: row?.unsealed ?? 0 };
}
