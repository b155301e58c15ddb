import {
  PutSecretBodySchema,
  SecretListViewSchema,
  SecretViewSchema,
  SetSecretOutcomeSchema,
} from '@aos/core/contract';
import { z } from 'zod';
import type { AosApp, RouteDeps } from '../app';
import { BEARER_KEY, ERROR_RESPONSES } from './route-schemas';

// The facade checks the name's pattern and answers INVALID_INPUT naming it.
const SecretParamsSchema = z.strictObject({ name: z.string() });

/** `PUT|GET|DELETE /v1/secrets…` (secrets:write); a value never comes back. */
export function secretRoutes(app: AosApp, { service }: RouteDeps): void {
  app.put(
    '/v1/secrets/:name',
    {
      config: { auth: 'secrets:write' },
      schema: {
        summary: 'Store a secret (201) or replace it (200)',
        tags: ['secrets'],
        security: BEARER_KEY,
        params: SecretParamsSchema,
        body: PutSecretBodySchema,
        response: { 200: SetSecretOutcomeSchema, 201: SetSecretOutcomeSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const outcome = await service.aos.secrets.set({
        tenantId: request.principal!.tenantId,
        name: request.params.name,
        value: request.body.value,
      });
      return reply.code(outcome.created ? 201 : 200).send(outcome);
    },
  );
  app.get(
    '/v1/secrets',
    {
      config: { auth: 'secrets:write' },
      schema: {
        summary: "Names and dates of the tenant's secrets",
        tags: ['secrets'],
        security: BEARER_KEY,
        response: { 200: SecretListViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ secrets: await service.aos.secrets.list({ tenantId: request.principal!.tenantId }) }),
  );
  app.delete(
    '/v1/secrets/:name',
    {
      config: { auth: 'secrets:write' },
      schema: {
        summary: 'Delete a secret',
        tags: ['secrets'],
        security: BEARER_KEY,
        params: SecretParamsSchema,
        response: { 200: SecretViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => service.aos.secrets.delete({ tenantId: request.principal!.tenantId, name: request.params.name }),
  );
}
