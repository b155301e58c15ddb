import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Agent, Database } from '../db/schema';
import { AGENT_STATUSES } from '../db/schema';
import { AosError } from '../errors';
import { labelSchema, parseInput, tenantIdSchema, uuidSchema } from '../validation';

/** Input of {@link createAgent}. */
export const CreateAgentInputSchema = z
  .object({
    name: labelSchema(200),
    description: z
      .string()
      .max(2000, 'must be at most 2000 characters')
      .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters')
      .default(''),
    /** Omit (or null) for a shared agent usable by any tenant. */
    tenantId: tenantIdSchema.nullish(),
    budgetCents: z
      .number()
      .int('must be a whole number of cents')
      .nonnegative('must not be negative')
      .max(1e12)
      .nullish(),
  })
  .strict();
export type CreateAgentInput = z.input<typeof CreateAgentInputSchema>;

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

/**
 * Lists agents visible to a tenant (its own and shared ones), or every agent without a tenant.
 *
 * @example
 * ```ts
 * const agents = await listAgents(db, { tenantId: 'acme' })
 * ```
 */
export async function listAgents(
  db: Kysely<Database>,
  options: { tenantId?: string | undefined } = {},
): Promise<Agent[]> {
  let query = db.selectFrom('agents').selectAll().orderBy('created_at').orderBy('id');
  if (options.tenantId !== undefined) {
    const tenant = parseInput(tenantIdSchema, options.tenantId, 'tenant_id');
    query = query.where((eb) => eb.or([eb('tenant_id', '=', tenant), eb('tenant_id', 'is', null)]));
  }
  return query.execute();
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
