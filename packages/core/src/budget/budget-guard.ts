import { sql, type Kysely, type Transaction } from 'kysely';
import type { AlertLevel, AlertPeriod, Database } from '../db/schema';
import { DEFAULT_QUOTA } from './tenant-quotas';

/** How long an in-flight reservation counts before it is treated as abandoned (crashed process). */
const RESERVATION_TTL_MS = 15 * 60 * 1000;

type Quota = {
  daily_limit_cents: number;
  hourly_limit_cents: number;
  request_limit_cents: number;
  run_limit_cents: number;
  warn_threshold: number;
  hard_limit: boolean;
};

/** Spend of one tenant (and one run) in each budget period, in cents. */
export interface SpendSnapshot {
  readonly hourly: number;
  readonly daily: number;
  readonly run: number;
}

/**
 * Outcome of {@link reserveBudget}: either a reservation to settle (null, with null cents, when
 * the estimate was 0), or the limit that halts the run.
 */
export type BudgetDecision =
  | { readonly allowed: true; readonly reservationId: number | null; readonly reservedCents: number | null }
  | { readonly allowed: false; readonly period: AlertPeriod | 'agent'; readonly message: string };

// Locks the tenant's quota row (creating it with the defaults if needed) so that checks and
// recordings of one tenant are serialised.
async function lockQuota(trx: Transaction<Database>, tenantId: string): Promise<Quota> {
  await trx
    .insertInto('tenant_quotas')
    .values({ tenant_id: tenantId, ...DEFAULT_QUOTA })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return trx
    .selectFrom('tenant_quotas')
    .select([
      'daily_limit_cents',
      'hourly_limit_cents',
      'request_limit_cents',
      'run_limit_cents',
      'warn_threshold',
      'hard_limit',
    ])
    .where('tenant_id', '=', tenantId)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

/** Recorded spend plus live reservations, per period. */
async function currentSpend(
  trx: Kysely<Database>,
  tenantId: string,
  runId: string,
  withReservations: boolean,
): Promise<SpendSnapshot> {
  const spent = await sql<{ hourly: number; daily: number; run: number }>`
    SELECT
      COALESCE(sum(cost_cents) FILTER (WHERE created_at >= date_trunc('hour', now())), 0)::float8 AS hourly,
      COALESCE(sum(cost_cents), 0)::float8 AS daily,
      COALESCE(sum(cost_cents) FILTER (WHERE run_id = ${runId}), 0)::float8 AS run
    FROM cost_events
    WHERE tenant_id = ${tenantId} AND created_at >= date_trunc('day', now())`.execute(trx);
  const row = spent.rows[0] ?? { hourly: 0, daily: 0, run: 0 };
  if (!withReservations) return row;
  const held = await sql<{ total: number; run: number }>`
    SELECT COALESCE(sum(estimate_cents), 0)::float8 AS total,
           COALESCE(sum(estimate_cents) FILTER (WHERE run_id = ${runId}), 0)::float8 AS run
    FROM budget_reservations
    WHERE tenant_id = ${tenantId} AND expires_at > now()`.execute(trx);
  const h = held.rows[0] ?? { total: 0, run: 0 };
  return { hourly: row.hourly + h.total, daily: row.daily + h.total, run: row.run + h.run };
}

/**
 * An agent's recorded spend plus its live reservations, and its budget; null when it has no
 * budget. Locks the agent row: a shared agent is used by several tenants, whose quota locks do
 * not serialise each other, so the agent's own row lock does. Read after the lock, the
 * reservations are those of every reserving transaction that committed before this one.
 */
async function agentSpend(
  trx: Transaction<Database>,
  tenantId: string,
  agentId: string,
): Promise<{ spent: number; limit: number } | null> {
  // A definer function (migration 0007): a shared agent's row and the other tenants' holds on it
  // are beyond the tenant's own policies.
  const locked = await sql<{ budget_cents: number | null; spent_cents: number; held_cents: number }>`
    SELECT budget_cents, spent_cents, held_cents FROM aos_agent_budget_lock(${tenantId}, ${agentId})`.execute(trx);
  const agent = locked.rows[0];
  if (agent?.budget_cents == null) return null;
  return { spent: agent.spent_cents + agent.held_cents, limit: agent.budget_cents };
}

/** Drops one of the tenant's budget holds (aos_app may not DELETE); returns its estimate, or null. */
async function dropReservation(db: Kysely<Database>, tenantId: string, reservationId: number): Promise<number | null> {
  const gone = await sql<{ estimate_cents: number | null }>`
    SELECT aos_reservation_release(${tenantId}, ${reservationId}) AS estimate_cents`.execute(db);
  return gone.rows[0]?.estimate_cents ?? null;
}

function formatCents(value: number, places = 4): string {
  const scale = 10 ** places;
  return String(Math.round(value * scale) / scale);
}

/**
 * The halt message for a step whose recorded cost is more than was reserved for it (README, "Budgets":
 * the cost is recorded as reported, a `critical` alert is raised and the run halts), or null
 * when it kept within its reservation or nothing was reserved.
 *
 * @example
 * ```ts
 * reservationOverrun('llm_invoke', 0.25, 3) // 'Request exceeded its reservation: llm_invoke reported usage costing 3c > 0.25c reserved'
 * ```
 */
export function reservationOverrun(
  skill: string | null,
  reservedCents: number | null | undefined,
  costCents: number,
): string | null {
  if (reservedCents == null || costCents <= reservedCents) return null;
  // Costs are kept to a millionth of a cent: show that precision, or a small overrun reads as "x > x".
  return `Request exceeded its reservation: ${skill ?? 'the request'} reported usage costing ${formatCents(costCents, 6)}c > ${formatCents(reservedCents, 6)}c reserved`;
}

/**
 * Checks a step's estimate against the tenant's quota and the agent's budget under the
 * quota row lock (and the agent row lock) and, when allowed, reserves it so concurrent runs
 * see it as spent: tenant periods and agent budgets both count recorded spend plus live
 * reservations. Together, concurrent runs can exceed a hard limit or an agent budget by at
 * most one request's estimate.
 * A refusal records a `critical` alert; a soft limit records an `exceeded` alert and allows.
 */
export async function reserveBudget(
  db: Kysely<Database>,
  input: { tenantId: string; runId: string; agentId: string; estimateCents: number },
): Promise<BudgetDecision> {
  if (input.estimateCents <= 0) return { allowed: true, reservationId: null, reservedCents: null };
  return db.transaction().execute(async (trx) => {
    const quota = await lockQuota(trx, input.tenantId);
    const spend = await currentSpend(trx, input.tenantId, input.runId, true);
    const breaches: { period: AlertPeriod | 'agent'; spent: number; limit: number }[] = [];
    if (input.estimateCents > quota.request_limit_cents) {
      breaches.push({ period: 'request', spent: input.estimateCents, limit: quota.request_limit_cents });
    }
    if (spend.run >= quota.run_limit_cents)
      breaches.push({ period: 'run', spent: spend.run, limit: quota.run_limit_cents });
    if (spend.hourly >= quota.hourly_limit_cents)
      breaches.push({ period: 'hourly', spent: spend.hourly, limit: quota.hourly_limit_cents });
    if (spend.daily >= quota.daily_limit_cents)
      breaches.push({ period: 'daily', spent: spend.daily, limit: quota.daily_limit_cents });
    const agent = await agentSpend(trx, input.tenantId, input.agentId);
    if (agent && agent.spent >= agent.limit) breaches.push({ period: 'agent', ...agent });
    const first = breaches[0];
    if (first && (quota.hard_limit || first.period === 'agent')) {
      const which =
        first.period === 'request' ? 'per-request' : first.period === 'agent' ? 'agent budget' : first.period;
      const message =
        first.period === 'request'
          ? `Hard budget limit reached: request estimate ${formatCents(first.spent)}c > ${formatCents(first.limit)}c per-request limit`
          : `Hard budget limit reached: ${formatCents(first.spent)}c consumed >= ${formatCents(first.limit)}c limit (${which})`;
      if (first.period !== 'agent') {
        await insertAlert(
          trx,
          input.tenantId,
          input.runId,
          'critical',
          first.period,
          message,
          first.spent,
          first.limit,
        );
      }
      return { allowed: false, period: first.period, message };
    }
    for (const breach of breaches) {
      if (breach.period === 'agent') continue;
      await insertAlert(
        trx,
        input.tenantId,
        input.runId,
        'exceeded',
        breach.period,
        `Soft budget limit exceeded: ${formatCents(breach.spent)}c consumed >= ${formatCents(breach.limit)}c limit (${breach.period})`,
        breach.spent,
        breach.limit,
      );
    }
    const reservation = await trx
      .insertInto('budget_reservations')
      .values({
        tenant_id: input.tenantId,
        run_id: input.runId,
        agent_id: input.agentId,
        estimate_cents: input.estimateCents,
        expires_at: new Date(Date.now() + RESERVATION_TTL_MS),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { allowed: true, reservationId: reservation.id, reservedCents: input.estimateCents };
  });
}

async function insertAlert(
  trx: Kysely<Database>,
  tenantId: string,
  runId: string | null,
  level: AlertLevel,
  period: AlertPeriod,
  message: string,
  spend: number,
  limit: number,
): Promise<void> {
  await trx
    .insertInto('budget_alerts')
    .values({ tenant_id: tenantId, run_id: runId, level, period, message, spend_cents: spend, limit_cents: limit })
    .execute();
}

/** One cost to record with {@link recordCostEvent}. */
export interface CostInput {
  readonly tenantId: string;
  readonly runId: string | null;
  readonly agentId: string | null;
  readonly skill: string | null;
  readonly traceId?: string | null;
  readonly stepIndex?: number | null;
  readonly costCents: number;
  readonly tokens?: number | null;
  readonly model?: string | null;
  /** The reservation this cost settles, if any. */
  readonly reservationId?: number | null;
}

/**
 * Records a cost event inside the caller's transaction (the runner's step transaction),
 * settles its reservation, adds it to the agent's spend, and writes a `warn` alert for
 * each period whose warn threshold this event crosses (and `exceeded` for a limit it crosses).
 * A cost above its reservation is recorded as it is and writes a `critical` alert (period
 * `request`, see {@link reservationOverrun}). Returns the alerts it wrote.
 */
export async function recordCostEvent(
  trx: Transaction<Database>,
  cost: CostInput,
): Promise<{ id: number; alerts: string[] }> {
  const alerts: string[] = [];
  let before: SpendSnapshot | undefined;
  let quota: Quota | undefined;
  if (cost.costCents > 0) {
    quota = await lockQuota(trx, cost.tenantId);
    before = await currentSpend(trx, cost.tenantId, cost.runId ?? '00000000-0000-0000-0000-000000000000', false);
  }
  const event = await trx
    .insertInto('cost_events')
    .values({
      tenant_id: cost.tenantId,
      run_id: cost.runId,
      agent_id: cost.agentId,
      skill: cost.skill,
      trace_id: cost.traceId ?? null,
      step_index: cost.stepIndex ?? null,
      cost_cents: cost.costCents,
      tokens: cost.tokens ?? null,
      model: cost.model ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (cost.reservationId != null) {
    const settled = await dropReservation(trx, cost.tenantId, cost.reservationId);
    const overrun = reservationOverrun(cost.skill, settled, cost.costCents);
    if (overrun && settled !== null) {
      await insertAlert(trx, cost.tenantId, cost.runId, 'critical', 'request', overrun, cost.costCents, settled);
      alerts.push(overrun);
    }
  }
  if (cost.costCents > 0 && cost.agentId) {
    // A shared agent's spend is every tenant's: a definer function adds to it (migration 0007).
    await sql`SELECT aos_agent_add_spend(${cost.tenantId}, ${cost.agentId}, ${cost.costCents}::float8)`.execute(trx);
  }
  if (before && quota) {
    const periods: [AlertPeriod, number, number][] = [
      ['hourly', before.hourly, quota.hourly_limit_cents],
      ['daily', before.daily, quota.daily_limit_cents],
      ...(cost.runId ? ([['run', before.run, quota.run_limit_cents]] as [AlertPeriod, number, number][]) : []),
    ];
    for (const [period, spentBefore, limit] of periods) {
      const after = spentBefore + cost.costCents;
      const warnAt = limit * quota.warn_threshold;
      if (spentBefore < warnAt && after >= warnAt && after < limit) {
        const message = `Budget warning: ${formatCents(after)}c of ${formatCents(limit)}c ${period} limit used (${Math.round((after / limit) * 100)}% >= ${Math.round(quota.warn_threshold * 100)}%)`;
        await insertAlert(trx, cost.tenantId, cost.runId, 'warn', period, message, after, limit);
        alerts.push(message);
      } else if (spentBefore < limit && after >= limit) {
        const message = `Budget limit reached: ${formatCents(after)}c consumed >= ${formatCents(limit)}c ${period} limit`;
        await insertAlert(trx, cost.tenantId, cost.runId, 'exceeded', period, message, after, limit);
        alerts.push(message);
      }
    }
  }
  return { id: event.id, alerts };
}

/** Drops a tenant's reservation whose step never ran (e.g. input invalid after reserving). */
export async function releaseReservation(
  db: Kysely<Database>,
  tenantId: string,
  reservationId: number | null,
): Promise<void> {
  if (reservationId != null) await dropReservation(db, tenantId, reservationId);
}

/**
 * A tenant's recorded spend today and this hour.
 *
 * @example
 * ```ts
 * const { daily } = await getTenantSpend(db, 'acme')
 * ```
 */
export async function getTenantSpend(
  db: Kysely<Database>,
  tenantId: string,
): Promise<{ hourly: number; daily: number }> {
  const spend = await currentSpend(db, tenantId, '00000000-0000-0000-0000-000000000000', false);
  return { hourly: spend.hourly, daily: spend.daily };
}
