import { TrustedKeysViewSchema } from '@aos/core/contract';
import { z } from 'zod';
import type { AosApp, RouteDeps } from '../app';
import { errorReply } from '../errors';
import { ERROR_RESPONSES } from './route-schemas';

const HealthViewSchema = z.strictObject({ status: z.enum(['ok', 'ready']) });

/** `/healthz`, `/readyz` and the public verifier key set `/v1/keys`: no key needed. */
export function healthRoutes(app: AosApp, { service }: RouteDeps): void {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'The process is up',
        tags: ['health'],
        response: { 200: HealthViewSchema, ...ERROR_RESPONSES },
      },
    },
    () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        summary: 'The database answers and its schema is current (503 with the reason otherwise)',
        tags: ['health'],
        response: { 200: HealthViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      try {
        await service.ready();
        return { status: 'ready' as const };
      } catch (error) {
        // For the operator's probe: the reason is the point (a pending migration, a database down).
        const { body } = errorReply(error);
        const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
        request.log.warn({ err: error }, 'not ready');
        return reply.code(503).send({ error: { code: body.error.code, message: message || 'not ready' } });
      }
    },
  );
  app.get(
    '/v1/keys',
    {
      schema: {
        summary: 'The verifier key set proofs are checked against (public)',
        tags: ['proofs'],
        response: { 200: TrustedKeysViewSchema, ...ERROR_RESPONSES },
      },
    },
    () => service.aos.proofs.trustedKeys(),
  );
}
