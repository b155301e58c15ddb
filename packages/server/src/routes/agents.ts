import {
  AgentListViewSchema,
  AgentViewSchema,
  CreateAgentBodySchema,
  ListAgentsQuerySchema,
  type CreateAgentBody,
} from '@aos/core/contract';
import type { AosApp, RouteDeps } from '../app';
import { AgentParamsSchema, BEARER_KEY, ERROR_RESPONSES } from './route-schemas';

// What a tenant can do to its own agent's lifecycle, each a POST of its own.
const AGENT_ACTIONS = {
  pause: 'Pause one of the tenant’s agents: it starts no new run until resumed (409 AGENT_ARCHIVED when archived)',
  resume: 'Make a paused agent active again (409 AGENT_ARCHIVED: archiving is final)',
  archive: 'Archive one of the tenant’s agents for good: never deleted, never active again',
} as const;

/**
 * `POST /v1/agents` and `POST /v1/agents/{id}/pause|resume|archive` (runs:write), `GET
 * /v1/agents` and `GET /v1/agents/{id}` (runs:read), always of the key's tenant: another
 * tenant's agent is a 404, a shared agent cannot be changed by a tenant (403).
 */
export function agentRoutes(app: AosApp, { service }: RouteDeps): void {
  app.post(
    '/v1/agents',
    {
      config: { auth: 'runs:write' },
      schema: {
        summary: "Create an agent of the key's tenant",
        tags: ['agents'],
        security: BEARER_KEY,
        body: CreateAgentBodySchema,
        response: { 201: AgentViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const body: CreateAgentBody = request.body;
      const agent = await service.aos.agents.create({
        tenantId: request.principal!.tenantId,
        name: body.name,
        description: body.description,
        budgetCents: body.budget_cents,
      });
      return reply.code(201).send(agent);
    },
  );
  app.get(
    '/v1/agents',
    {
      config: { auth: 'runs:read' },
      schema: {
        summary:
          "A page of the tenant's agents and the shared ones, oldest first; `next_cursor` asks for the next page",
        tags: ['agents'],
        security: BEARER_KEY,
        querystring: ListAgentsQuerySchema,
        response: { 200: AgentListViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) =>
      service.aos.agents.list({
        tenantId: request.principal!.tenantId,
        limit: request.query.limit,
        cursor: request.query.cursor,
      }),
  );
  app.get(
    '/v1/agents/:id',
    {
      config: { auth: 'runs:read' },
      schema: {
        summary: 'One agent the tenant can use (its own or a shared one)',
        tags: ['agents'],
        security: BEARER_KEY,
        params: AgentParamsSchema,
        response: { 200: AgentViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => service.aos.agents.get({ tenantId: request.principal!.tenantId, agentId: request.params.id }),
  );
  for (const [action, summary] of Object.entries(AGENT_ACTIONS) as [keyof typeof AGENT_ACTIONS, string][]) {
    app.post(
      `/v1/agents/:id/${action}`,
      {
        config: { auth: 'runs:write' },
        schema: {
          summary,
          tags: ['agents'],
          security: BEARER_KEY,
          params: AgentParamsSchema,
          response: { 200: AgentViewSchema, ...ERROR_RESPONSES },
        },
      },
      (request) => service.aos.agents[action]({ tenantId: request.principal!.tenantId, agentId: request.params.id }),
    );
  }
}
