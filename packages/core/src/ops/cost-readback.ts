import type { Kysely } from 'kysely';
import { getTenantSpend, recordCostEvent } from '../budget/budget-guard';
import type { BudgetAlert, CostEvent, Database } from '../db/schema';
import { AosError } from '../errors';
import { parseInput, tenantIdSchema } from '../validation';

/** A cost event as stored, the alerts its recording wrote, and the tenant's spend afterwards. */
export interface CostReadback {
  readonly event: CostEvent;
  /** Rows of `budget_alerts` written by this recording (warn/exceeded thresholds it crossed). */
  readonly alerts: readonly BudgetAlert[];
  /** The tenant's recorded spend after the event was committed, in cents. */
  readonly spend: { readonly hourly: number; readonly daily: number };
}

/**
 * Records a cost event outside any run (an operator charge, e.g. the demo's) through
 * {@link recordCostEvent} in its own transaction, then reads it back from `cost_events`,
 * the alerts it wrote from `budget_alerts`, and the tenant's spend — every value returned
 * comes from storage, not from what was asked for.
 *
 * @example
 * ```ts
 * const { event, alerts, spend } = await recordAndReadCostEvent(db, { tenantId: 'demo', costCents: 1 })
 * ```
 */
export async function recordAndReadCostEvent(
  db: Kysely<Database>,
  input: { tenantId: string; costCents: number; skill?: string | null },
): Promise<CostReadback> {
  const tenantId = parseInput(tenantIdSchema, input.tenantId, 'tenant_id');
  if (!Number.isFinite(input.costCents) || input.costCents < 0) {
    throw new AosError('INVALID_INPUT', `invalid cost_cents: must be a non-negative number, got ${input.costCents}`);
  }
  const { event, alerts } = await db.transaction().execute(async (trx) => {
    const before = await trx
      .selectFrom('budget_alerts')
      .select((eb) => eb.fn.max('id').as('max_id'))
      .executeTakeFirst();
    const recorded = await recordCostEvent(trx, {
      tenantId,
      runId: null,
      agentId: null,
      skill: input.skill ?? null,
      costCents: input.costCents,
    });
    const stored = await trx
      .selectFrom('cost_events')
      .selectAll()
      .where('id', '=', recorded.id)
      .executeTakeFirstOrThrow();
    // Alerts written by this transaction: same tenant, same transaction timestamp (compared in
    // SQL: a JS Date would drop the microseconds), newer ids.
    const written = await trx
      .selectFrom('budget_alerts')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('created_at', '=', (eb) => eb.selectFrom('cost_events').select('created_at').where('id', '=', recorded.id))
      .where('id', '>', Number(before?.max_id ?? 0))
      .orderBy('id')
      .execute();
    return { event: stored, alerts: written };
  });
  return { event, alerts, spend: await getTenantSpend(db, tenantId) };
}
