import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Agent, Database } from '../db/schema';
import { AGENT_STATUSES, type AgentStatus } from '../db/schema';
import { AosError } from '../errors';
import { CURSOR_CREATED_AT, cursorTime, takePage } from '../queries/keyset-page';
import { pageCursorSchema } from '../queries/run-cursor';
import { parseInput, tenantIdSchema, uuidSchema } from '../validation';
import { CreateAgentInputSchema, type CreateAgentInput } from './agent-input';

export { CreateAgentInputSchema, type CreateAgentInput };

/**
 * Creates an agent, owned by one tenant or shared by all.
 *
 * @example
 * ```ts
 * const agent = await createAgent(db, { name: 'support-bot', tenantId: 'acme', budgetCents: 2000 })
 * ```
 */
export async function createAgent(db: Kysely<Database>, input: CreateAgentInput): Promise<Agent> {
  const parsed = parseInput(CreateAgentInputSchema, input, 'agent');
  return db
    .insertInto('agents')
    .values({
      name: parsed.name,
      description: parsed.description,
      tenant_id: parsed.tenantId ?? null,
      budget_cents: parsed.budgetCents ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Filters of {@link listAgents}. */
export const ListAgentsInputSchema = z
  .object({
    /** Absent: every agent (local operator work); given: the tenant's own and the shared ones. */
    tenantId: tenantIdSchema.optional(),
    limit: z.number().int().min(1).max(1000).default(50),
    /** The `nextCursor` of the previous page; absent for the first page. */
    cursor: pageCursorSchema('list-agents').optional(),
  })
  .strict();

/** One page of {@link listAgents}. */
export interface AgentPage {
  readonly agents: Agent[];
  /** Token for the page after this one; null on the last page. */
  readonly nextCursor: string | null;
}

/**
 * Lists agents visible to a tenant (its own and shared ones), or every agent without a tenant,
 * oldest first (`created_at`, ties by `id`), a page at a time. The cursor only says where the
 * previous page ended: the tenant filter applies to every page.
 *
 * @example
 * ```ts
 * const first = await listAgents(db, { tenantId: 'acme', limit: 10 })
 * const second = await listAgents(db, { tenantId: 'acme', limit: 10, cursor: first.nextCursor! })
 * ```
 */
export async function listAgents(
  db: Kysely<Database>,
  input: z.input<typeof ListAgentsInputSchema> = {},
): Promise<AgentPage> {
  const parsed = parseInput(ListAgentsInputSchema, input, 'list_agents');
  let query = db.selectFrom('agents').selectAll().select(CURSOR_CREATED_AT.as('cursor_created_at'));
  const tenant = parsed.tenantId;
  if (tenant !== undefined) {
    query = query.where((eb) => eb.or([eb('tenant_id', '=', tenant), eb('tenant_id', 'is', null)]));
  }
  const after = parsed.cursor;
  if (after) {
    const createdAt = cursorTime(after);
    query = query.where((eb) =>
      eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', after.id)])]),
    );
  }
  const rows = await query
    .orderBy('created_at')
    .orderBy('id')
    .limit(parsed.limit + 1)
    .execute();
  const { page, nextCursor } = takePage(rows, parsed.limit);
  return { agents: page, nextCursor };
}

/**
 * Returns an agent the tenant may use: its own or a shared one. Anything else — missing,
 * or another tenant's — is AGENT_NOT_FOUND, so tenants learn nothing about each other.
 */
export async function getAgentForTenant(db: Kysely<Database>, agentId: string, tenantId: string): Promise<Agent> {
  const id = parseInput(uuidSchema, agentId, 'agent_id');
  const agent = await db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!agent || (agent.tenant_id !== null && agent.tenant_id !== tenantId)) {
    throw new AosError('AGENT_NOT_FOUND', `agent ${id} not found for tenant ${tenantId}`);
  }
  return agent;
}

/** Changes an agent's status (active, paused, disabled). */
export async function setAgentStatus(
  db: Kysely<Database>,
  agentId: string,
  status: (typeof AGENT_STATUSES)[number],
): Promise<Agent> {
  const id = parseInput(uuidSchema, agentId, 'agent_id');
  const parsed = parseInput(z.enum(AGENT_STATUSES), status, 'status');
  const agent = await db
    .updateTable('agents')
    .set({ status: parsed, updated_at: new Date() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
  if (!agent) throw new AosError('AGENT_NOT_FOUND', `agent ${id} not found`);
  return agent;
}

/** What a tenant can do to its own agent's lifecycle. */
export const AGENT_ACTIONS = ['pause', 'resume', 'archive'] as const;
export type AgentAction = (typeof AGENT_ACTIONS)[number];

// Which statuses each action starts from, and where it leads. Doing it again is a no-op (the
// agent comes back as it is); `disabled` is an operator's status that a tenant does not undo.
const ACTION_RULES: Readonly<Record<AgentAction, { from: readonly AgentStatus[]; to: AgentStatus }>> = {
  pause: { from: ['active', 'paused'], to: 'paused' },
  resume: { from: ['active', 'paused'], to: 'active' },
  archive: { from: ['active', 'paused', 'disabled', 'archived'], to: 'archived' },
};

/**
 * Pauses, resumes or archives one of the tenant's own agents. A paused or archived agent starts
 * no new run (createRun refuses it with AGENT_NOT_ACTIVE); an archived one is final (resume and
 * pause are AGENT_ARCHIVED; the database refuses the change too). A missing agent or another
 * tenant's is AGENT_NOT_FOUND; a shared agent is FORBIDDEN (operators manage those). Runs
 * already created are not touched. Repeating an action returns the agent unchanged.
 *
 * @example
 * ```ts
 * const paused = await changeAgentStatus(db, { tenantId: 'acme', agentId, action: 'pause' })
 * ```
 */
export async function changeAgentStatus(
  db: Kysely<Database>,
  input: { readonly tenantId: string; readonly agentId: string; readonly action: AgentAction },
): Promise<Agent> {
  const tenant = parseInput(tenantIdSchema, input.tenantId, 'tenant_id');
  const action = parseInput(z.enum(AGENT_ACTIONS), input.action, 'action');
  const rule = ACTION_RULES[action];
  const agent = await getAgentForTenant(db, input.agentId, tenant);
  if (agent.tenant_id === null) {
    throw new AosError('FORBIDDEN', `agent ${agent.id} is shared by every tenant: only an operator can ${action} it`);
  }
  if (agent.status === rule.to) return agent;
  const changed = await db
    .updateTable('agents')
    .set({ status: rule.to, updated_at: new Date() })
    .where('id', '=', agent.id)
    .where('tenant_id', '=', tenant)
    .where('status', 'in', [...rule.from])
    .returningAll()
    .executeTakeFirst();
  if (changed) return changed;
  // Refused, or changed by someone else since the read: say why from what it is now.
  const now = await getAgentForTenant(db, agent.id, tenant);
  if (now.status === rule.to) return now;
  if (now.status === 'archived') {
    throw new AosError('AGENT_ARCHIVED', `agent ${now.id} is archived: an archived agent cannot be ${action}d`);
  }
  throw new AosError('AGENT_NOT_ACTIVE', `agent ${now.id} is ${now.status}: it cannot be ${action}d by its tenant`);
}
