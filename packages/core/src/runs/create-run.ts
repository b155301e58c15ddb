import type { Kysely } from 'kysely';
import { getAgentForTenant } from '../agents/agent-service';
import type { Database, Run } from '../db/schema';
import { AosError } from '../errors';
import { parseInput } from '../validation';
import { CreateRunInputSchema, type CreateRunInput } from './run-input';

export { CreateRunInputSchema, type CreateRunInput };

/** A created (or, for a repeated idempotency key, found) run. */
export interface CreatedRun {
  readonly run: Run;
  /** False when the idempotency key matched an existing run with the same body. */
  readonly created: boolean;
}

const UNIQUE_VIOLATION = '23505';

/**
 * Creates a `queued` run after validating the input: the agent must exist,
 * be active, and belong to the tenant or be shared. With an idempotency key, the same
 * tenant + key + goal + agent returns the existing run; the same key with a different body
 * is IDEMPOTENCY_CONFLICT. Nothing is written when validation fails.
 *
 * @example
 * ```ts
 * const { run } = await createRun(db, { tenantId: 'acme', agentId, goal: 'echo hello' })
 * ```
 */
export async function createRun(db: Kysely<Database>, input: CreateRunInput): Promise<CreatedRun> {
  const parsed = parseInput(CreateRunInputSchema, input, 'run');
  if (parsed.idempotencyKey === undefined) {
    // Common case: the agent check and the insert in one statement. When no row comes back,
    // the path below finds out why and says so precisely.
    const run = await insertIfAgentUsable(db, parsed);
    if (run) return { run, created: true };
  }
  const agent = await getAgentForTenant(db, parsed.agentId, parsed.tenantId);
  if (agent.status !== 'active') {
    throw new AosError('AGENT_NOT_ACTIVE', `agent ${agent.id} is ${agent.status}; only active agents can run goals`);
  }
  if (parsed.idempotencyKey !== undefined) {
    const existing = await findByKey(db, parsed.tenantId, parsed.idempotencyKey);
    if (existing) return { run: sameBodyOrConflict(existing, parsed), created: false };
  }
  try {
    const run = await db
      .insertInto('runs')
      .values({
        tenant_id: parsed.tenantId,
        agent_id: agent.id,
        origin_system_id: parsed.originSystemId,
        goal: parsed.goal,
        status: 'queued',
        max_attempts: parsed.maxAttempts,
        idempotency_key: parsed.idempotencyKey ?? null,
        error_message: null,
        plan_json: null,
        plan_hash: null,
        duration_ms: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { run, created: true };
  } catch (error) {
    // Two creators raced on one key: the loser returns the winner's run.
    if ((error as { code?: string }).code === UNIQUE_VIOLATION && parsed.idempotencyKey !== undefined) {
      const existing = await findByKey(db, parsed.tenantId, parsed.idempotencyKey);
      if (existing) return { run: sameBodyOrConflict(existing, parsed), created: false };
    }
    throw error;
  }
}

function insertIfAgentUsable(
  db: Kysely<Database>,
  parsed: { tenantId: string; agentId: string; originSystemId: string; goal: string; maxAttempts: number },
): Promise<Run | undefined> {
  return db
    .insertInto('runs')
    .columns(['tenant_id', 'agent_id', 'origin_system_id', 'goal', 'status', 'max_attempts'])
    .expression((eb) =>
      eb
        .selectFrom('agents')
        .select([
          eb.val(parsed.tenantId).as('tenant_id'),
          'agents.id',
          eb.val(parsed.originSystemId).as('origin_system_id'),
          eb.val(parsed.goal).as('goal'),
          eb.val('queued').as('status'),
          eb.val(parsed.maxAttempts).as('max_attempts'),
        ])
        .where('agents.id', '=', parsed.agentId)
        .where('agents.status', '=', 'active')
        .where((w) => w.or([w('agents.tenant_id', 'is', null), w('agents.tenant_id', '=', parsed.tenantId)])),
    )
    .returningAll()
    .executeTakeFirst();
}

function findByKey(db: Kysely<Database>, tenantId: string, key: string): Promise<Run | undefined> {
  return db
    .selectFrom('runs')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

function sameBodyOrConflict(
  existing: Run,
  parsed: { goal: string; agentId: string; idempotencyKey?: string | undefined },
): Run {
  if (existing.goal === parsed.goal && existing.agent_id === parsed.agentId) return existing;
  throw new AosError(
    'IDEMPOTENCY_CONFLICT',
    `idempotency key "${parsed.idempotencyKey}" was already used by run ${existing.id} with a different goal or agent`,
  );
}
