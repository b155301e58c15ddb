import { ApiErrorBodySchema } from '@aos/core/contract';
import { UUID_PATTERN } from '@aos/proof';
import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

// Pieces every route schema shares: the error envelope for every failure status (so errors are
// serialised and documented like answers), and the bearer-key requirement in /openapi.json.

/** Response schemas of every error status. */
export const ERROR_RESPONSES = { '4xx': ApiErrorBodySchema, '5xx': ApiErrorBodySchema } as const;

/** The OpenAPI security requirement of a route that needs an API key. */
export const BEARER_KEY = [{ apiKey: [] }];

/** `{id}` of a run route. */
export const RunParamsSchema = z.strictObject({
  id: z.string().regex(UUID_PATTERN, 'must be a lowercase UUID'),
});

/** `{id}` of an agent route. */
export const AgentParamsSchema = RunParamsSchema;

/**
 * Sends a stream as the body. Fastify pipes streams without serialising them; the typed reply of
 * a route only admits its response schemas' documents, so the stream goes through the untyped one.
 */
export function sendStream(reply: unknown, stream: Readable): FastifyReply {
  return (reply as FastifyReply).send(stream);
}
