import {
  CreatedRunViewSchema,
  CreateRunBodySchema,
  ListRunsQuerySchema,
  RunDetailsViewSchema,
  RunListViewSchema,
  RunViewSchema,
  type CreatedRunView,
  type CreateRunBody,
} from '@aos/core/contract';
import { z } from 'zod';
import type { AosApp, RouteDeps } from '../app';
import { streamRunEvents } from '../sse';
import { BEARER_KEY, ERROR_RESPONSES, RunParamsSchema, sendStream } from './route-schemas';

const CreateRunHeadersSchema = z.looseObject({
  'idempotency-key': z.string().optional().describe('Repeat a POST safely: the same key and body return the same run'),
});
const EventsHeadersSchema = z.looseObject({
  'last-event-id': z
    .string()
    .regex(/^(0|[1-9][0-9]{0,8})$/, 'must be a step index (the id of the last step event seen)')
    .optional(),
});

/**
 * `POST /v1/runs` and `POST /v1/runs/{id}/cancel` (runs:write) and `GET /v1/runs`,
 * `/v1/runs/{id}`, `/v1/runs/{id}/events` (runs:read). A created run is queued with its job in
 * one transaction; a worker executes it.
 */
export function runRoutes(
  app: AosApp,
  { service, streams }: RouteDeps,
  events: { readonly pollMs: number; readonly heartbeatMs: number },
): void {
  app.post(
    '/v1/runs',
    {
      config: { auth: 'runs:write' },
      schema: {
        summary: 'Create a run (queued with its job for a worker); 200 with created:false for an idempotent repeat',
        tags: ['runs'],
        security: BEARER_KEY,
        headers: CreateRunHeadersSchema,
        body: CreateRunBodySchema,
        response: { 200: CreatedRunViewSchema, 201: CreatedRunViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const body: CreateRunBody = request.body;
      const { run, created } = await service.aos.runs.create({
        tenantId: request.principal!.tenantId,
        agentId: body.agent_id,
        goal: body.goal,
        originSystemId: body.origin_system_id,
        idempotencyKey: request.headers['idempotency-key'],
      });
      const view: CreatedRunView = { run, created };
      return reply.code(created ? 201 : 200).send(view);
    },
  );
  app.get(
    '/v1/runs',
    {
      config: { auth: 'runs:read' },
      schema: {
        summary: "A page of the tenant's runs, newest first; `next_cursor` asks for the next page",
        tags: ['runs'],
        security: BEARER_KEY,
        querystring: ListRunsQuerySchema,
        response: { 200: RunListViewSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) =>
      service.aos.runs.list({
        tenantId: request.principal!.tenantId,
        status: request.query.status,
        limit: request.query.limit,
        cursor: request.query.cursor,
      }),
  );
  app.get(
    '/v1/runs/:id',
    {
      config: { auth: 'runs:read' },
      schema: {
        summary: 'One run with its plan, trace and steps',
        tags: ['runs'],
        security: BEARER_KEY,
        params: RunParamsSchema,
        response: { 200: RunDetailsViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => service.aos.runs.get({ tenantId: request.principal!.tenantId, runId: request.params.id }),
  );
  app.post(
    '/v1/runs/:id/cancel',
    {
      config: { auth: 'runs:write' },
      schema: {
        summary:
          'Cancel a queued or retrying run: it ends halted with error "cancelled", its trace sealed; 409 RUN_EXECUTING while a worker executes it, 409 RUN_FINISHED once terminal',
        tags: ['runs'],
        security: BEARER_KEY,
        params: RunParamsSchema,
        response: { 200: RunViewSchema, ...ERROR_RESPONSES },
      },
    },
    (request) => service.aos.runs.cancel({ tenantId: request.principal!.tenantId, runId: request.params.id }),
  );
  app.get(
    '/v1/runs/:id/events',
    {
      config: { auth: 'runs:read', timeout: false },
      schema: {
        summary: 'Server-Sent Events: step, status, end (resumable with Last-Event-ID)',
        tags: ['runs'],
        security: BEARER_KEY,
        params: RunParamsSchema,
        headers: EventsHeadersSchema,
        response: {
          200: z.string().describe('text/event-stream: `step` (id = step_index), `status` and `end` events'),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const ref = { tenantId: request.principal!.tenantId, runId: request.params.id };
      // Read before streaming: a missing run (or another tenant's) is an ordinary 404.
      const first = await service.aos.runs.get(ref);
      const lastEventId = request.headers['last-event-id'];
      const { stream, stop } = streamRunEvents(service, first, {
        ref,
        after: lastEventId === undefined ? undefined : Number(lastEventId),
        pollMs: events.pollMs,
        heartbeatMs: events.heartbeatMs,
        log: request.log,
      });
      const remove = streams.add(stop);
      // The client went away: stop polling.
      reply.raw.once('close', () => {
        stop();
        remove();
      });
      return sendStream(
        reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('x-accel-buffering', 'no'),
        stream,
      );
    },
  );
}
