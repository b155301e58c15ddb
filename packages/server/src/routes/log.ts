import { LogCheckpointViewSchema, LogProofViewSchema } from '@aos/core/contract';
import { z } from 'zod';
import type { AosApp, RouteDeps } from '../app';
import { HttpError } from '../errors';
import { BEARER_KEY, ERROR_RESPONSES } from './route-schemas';

const Position = (what: string) =>
  z
    .string()
    .regex(/^(0|[1-9][0-9]{0,15})$/, `must be ${what} (0, 1, 2…)`)
    .transform(Number);

/** `/v1/log/checkpoint` and `/v1/log/proof/{consistency,inclusion}`: the key's tenant log (proofs:read). */
export function logRoutes(app: AosApp, { service }: RouteDeps): void {
  app.get(
    '/v1/log/checkpoint',
    {
      config: { auth: 'proofs:read' },
      schema: {
        summary:
          "The tenant's newest log checkpoint with its witnesses' cosignatures; 404 LOG_NOT_FOUND before the first",
        tags: ['log'],
        security: BEARER_KEY,
        response: { 200: LogCheckpointViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const tenantId = request.principal!.tenantId;
      const latest = await service.aos.log.checkpoint({ tenantId });
      if (latest === null) throw new HttpError(404, 'LOG_NOT_FOUND', `tenant ${tenantId} has no log checkpoint yet`);
      return latest;
    },
  );
  app.get(
    '/v1/log/proof/consistency',
    {
      config: { auth: 'proofs:read' },
      schema: {
        summary: 'The RFC 9162 consistency proof (base64 hashes) from log size `from` to size `to`',
        tags: ['log'],
        security: BEARER_KEY,
        querystring: z.strictObject({ from: Position('a log size'), to: Position('a log size') }),
        response: { 200: LogProofViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) =>
      service.aos.log.consistency({
        tenantId: request.principal!.tenantId,
        from: request.query.from,
        to: request.query.to,
      }),
  );
  app.get(
    '/v1/log/proof/inclusion',
    {
      config: { auth: 'proofs:read' },
      schema: {
        summary: 'The RFC 9162 inclusion proof (base64 hashes) of leaf `index` in the log of `size` leaves',
        tags: ['log'],
        security: BEARER_KEY,
        querystring: z.strictObject({ index: Position('a leaf index'), size: Position('a log size') }),
        response: { 200: LogProofViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) =>
      service.aos.log.inclusion({
        tenantId: request.principal!.tenantId,
        index: request.query.index,
        size: request.query.size,
      }),
  );
}
