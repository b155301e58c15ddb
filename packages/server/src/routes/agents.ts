import { AgentListViewSchema, AgentViewSchema, CreateAgentBodySchema, type CreateAgentBody } from '@aos/core/contract';
import type { AosApp, RouteDeps } from '../app';
import { BEARER_KEY, ERROR_RESPONSES } from './route-schemas';

/** `POST /v1/agents` (runs:write) and `GET /v1/agents` (runs:read), always of the key's tenant. */
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
        summary: "The tenant's agents and the shared ones",
        tags: ['agents'],
        security: BEARER_KEY,
        response: { 200: AgentListViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ agents: await service.aos.agents.list({ tenantId: request.principal!.tenantId }) }),
  );
}
