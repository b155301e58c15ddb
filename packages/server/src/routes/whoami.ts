import { WhoAmIViewSchema, type WhoAmIView } from '@aos/core/contract';
import type { AosApp, RouteDeps } from '../app';
import { BEARER_KEY, ERROR_RESPONSES } from './route-schemas';

/** `GET /v1/whoami`: any valid key. */
export function whoAmIRoutes(app: AosApp, _deps: RouteDeps): void {
  app.get(
    '/v1/whoami',
    {
      config: { auth: 'any-key' },
      schema: {
        summary: 'Who the presented key speaks for',
        tags: ['keys'],
        security: BEARER_KEY,
        response: { 200: WhoAmIViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request): WhoAmIView => {
      const principal = request.principal!;
      return {
        tenant_id: principal.tenantId,
        key_id: principal.keyId,
        prefix: principal.prefix,
        scopes: [...principal.scopes],
      };
    },
  );
}
