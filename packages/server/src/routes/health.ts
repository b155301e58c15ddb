import { TrustedKeysViewSchema } from '@aos/core/contract';
import { z } from 'zod';
import type { AosApp, RouteDeps } from '../app';
import { errorReply } from '../errors';
import { ERROR_RESPONSES } from './route-schemas';

const HealthViewSchema = z.strictObject({ status: z.enum(['ok', 'ready']) });
const WitnessStatusSchema = z.strictObject({
  name: z.string(),
  url: z.string(),
  last_cosigned_at: z.string().nullable(),
  last_error: z.string().nullable(),
  pending: z.number().int().nonnegative(),
});
const ReadyViewSchema = z.strictObject({
  status: z.literal('ready'),
  /** The tenant-log sequencer of this process and the witnesses it submits to (SPEC §13). */
  tenant_log: z.strictObject({
    sequencer: z.enum(['active', 'standby', 'stopped']),
    last_batch_at: z.string().nullable(),
    last_error: z.string().nullable(),
    witnesses: z.array(WitnessStatusSchema),
  }),
});

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
        summary:
          'The database answers and its schema is current (503 with the reason otherwise); the tenant-log sequencer and each witness',
        tags: ['health'],
        response: { 200: ReadyViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      try {
        await service.ready();
        // A witness that is down delays only its own cosignatures: reported here, not a 503.
        const log = service.sequencer.status();
        return {
          status: 'ready' as const,
          tenant_log: {
            sequencer: log.role,
            last_batch_at: log.lastBatchAt,
            last_error: log.lastError,
            witnesses: log.witnesses.map((w) => ({
              name: w.name,
              url: w.url,
              last_cosigned_at: w.lastCosignedAt,
              last_error: w.lastError,
              pending: w.pending,
            })),
          },
        };
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
