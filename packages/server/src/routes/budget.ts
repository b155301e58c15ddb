import { BudgetViewSchema } from '@aos/core/contract';
import type { AosApp, RouteDeps } from '../app';
import { BEARER_KEY, ERROR_RESPONSES } from './route-schemas';

/** `GET /v1/budget`: any valid key (a key that may run work may know what it may spend). */
export function budgetRoutes(app: AosApp, { service }: RouteDeps): void {
  app.get(
    '/v1/budget',
    {
      config: { auth: 'any-key' },
      schema: {
        summary: "The tenant's limits and what it has spent this hour and today",
        tags: ['budget'],
        security: BEARER_KEY,
        response: { 200: BudgetViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => service.aos.budget.get({ tenantId: request.principal!.tenantId }),
  );
}
