import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiKeyPrincipal, ApiKeyScope, AosService } from '@aos/core/service';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type RawServerDefault,
} from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import pino, { type DestinationStream } from 'pino';
import packageJson from '../package.json' with { type: 'json' };
import { errorReply, HttpError } from './errors';
import { MAX_BODY_BYTES, refuseUnsafeInput } from './input-guards';
import { REDACTED_PATHS } from './logging';
import { agentRoutes } from './routes/agents';
import { budgetRoutes } from './routes/budget';
import { consoleRoutes } from './routes/console';
import { healthRoutes } from './routes/health';
import { logRoutes } from './routes/log';
import { proofRoutes } from './routes/proofs';
import { runRoutes } from './routes/runs';
import { secretRoutes } from './routes/secrets';
import { skillRoutes } from './routes/skills';
import { whoAmIRoutes } from './routes/whoami';
import { createEventStreams, type EventStreams } from './sse';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: a scope, any valid key, or (absent) anyone. */
    auth?: ApiKeyScope | 'any-key';
    /** False for routes the request timeout does not apply to (the event stream). */
    timeout?: boolean;
  }
  interface FastifyRequest {
    /** The key the request was made with, once authenticated. */
    principal?: ApiKeyPrincipal;
    /** Why authentication refused the key: raised after the rate limit has counted the request. */
    authRefusal?: Error;
  }
}

/** The Fastify instance of `aos-server`, with zod schemas as its type provider. */
export type AosApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** One run of one tenant, as the facade takes it. */
export type RunRef = Parameters<AosService['aos']['runs']['get']>[0];

/** What the routes use besides the app: the service and open event streams. */
export interface RouteDeps {
  readonly service: AosService;
  readonly streams: EventStreams;
}

/** How {@link buildApp} behaves; every field has the production default. */
export interface AppOptions {
  /** A handler that has not answered after this long gets 503 REQUEST_TIMEOUT; 0 = none. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Requests per key (per IP without a key) per window. Default 600. */
  readonly rateLimitMax?: number;
  /** Default 60 s. */
  readonly rateLimitWindowMs?: number;
  /**
   * How long `aos-server` waits, on SIGTERM, for its worker's attempts to finish their current
   * step and release their runs (the lease expiry hands a run still held to the next worker). Default 30 s.
   */
  readonly shutdownTimeoutMs?: number;
  /** How often an event stream re-reads its run. Default 250 ms. */
  readonly eventPollMs?: number;
  /** How often an event stream sends a heartbeat comment. Default 15 s. */
  readonly heartbeatMs?: number;
  /** pino level (default `info`) and where the JSON lines go (default stdout). */
  readonly log?: { readonly level?: string; readonly destination?: DestinationStream };
}

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;
// The headers the server reads from a request; NUL in any of them is refused like in a body.
const READ_HEADERS = ['authorization', 'idempotency-key', 'last-event-id'] as const;

function presentedKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  return BEARER.exec(header)?.[1] ?? '';
}

/**
 * Builds the HTTP API over an open service (routes, auth, limits, error mapping, request logs,
 * OpenAPI document) without listening, so tests drive it with `app.inject`. Closing the app
 * ends open event streams and waits (bounded) for the runs it is executing; closing the service
 * stays the caller's.
 *
 * @example
 * ```ts
 * const app = await buildApp(await openService({ env: process.env }))
 * await app.listen({ port: 8080, host: '127.0.0.1' })
 * ```
 */
export async function buildApp(service: AosService, options: AppOptions = {}): Promise<AosApp> {
  const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  const logger: FastifyBaseLogger = pino(
    {
      level: options.log?.level ?? 'info',
      base: { service: 'aos-server' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    },
    options.log?.destination ?? pino.destination(1),
  );
  const app: AosApp = Fastify({
    loggerInstance: logger,
    // One line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    // How long a client may take to send its request (slow senders); handlers have their own timer.
    requestTimeout: requestTimeoutMs,
    exposeHeadRoutes: false,
  }).withTypeProvider<ZodTypeProvider>();
  // JSON only: any other body is 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const streams = createEventStreams();
  const deps: RouteDeps = { service, streams };

  app.setErrorHandler((error, request, reply) => {
    const { status, body, internal } = errorReply(error);
    if (internal) request.log.error({ err: error }, 'request failed');
    if (status === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.code(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${path}` } });
  });

  app.addHook('onRequest', async (request, reply) => {
    startHandlerTimer(request.routeOptions.config.timeout === false ? 0 : requestTimeoutMs, reply);
    for (const name of READ_HEADERS) {
      const value = request.headers[name];
      if (value !== undefined) refuseUnsafeInput(value, `header ${name}`);
    }
    const auth = request.routeOptions.config.auth;
    if (auth === undefined) return;
    try {
      const presented = presentedKey(request.headers.authorization);
      request.principal = await service.authenticate(presented, auth === 'any-key' ? undefined : auth);
    } catch (error) {
      request.authRefusal = error instanceof Error ? error : new Error(String(error));
    }
  });
  // After the rate limit (a route-level onRequest hook) has counted the request.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    if (request.authRefusal !== undefined) done(request.authRefusal);
    else done(null, payload);
  });
  // Before zod validates and long before the facade sees anything.
  app.addHook('preValidation', (request, _reply, done) => {
    try {
      refuseUnsafeInput(request.body, 'body');
      refuseUnsafeInput(request.query, 'query');
      refuseUnsafeInput(request.params, 'params');
      done();
    } catch (error) {
      done(error as Error);
    }
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 10) / 10,
        key_prefix: request.principal?.prefix ?? null,
        tenant_id: request.principal?.tenantId ?? null,
      },
      'request',
    );
    done();
  });
  app.addHook('preClose', (done) => {
    streams.closeAll();
    done();
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    max: options.rateLimitMax ?? 600,
    timeWindow: options.rateLimitWindowMs ?? 60_000,
    // Per key once authenticated; a request without a valid key counts against its address.
    keyGenerator: (request) => (request.principal ? `key:${request.principal.prefix}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'RATE_LIMITED', `rate limit exceeded: ${context.max} requests per ${context.after}`),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'AOS API',
        version: packageJson.version,
        description: 'Agent runs with tamper-evident, independently verifiable proofs (docs/api.md).',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
    },
    transform: jsonSchemaTransform,
  });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  healthRoutes(app, deps);
  whoAmIRoutes(app, deps);
  agentRoutes(app, deps);
  budgetRoutes(app, deps);
  runRoutes(app, deps, { pollMs: options.eventPollMs ?? 250, heartbeatMs: options.heartbeatMs ?? 15_000 });
  proofRoutes(app, deps);
  logRoutes(app, deps);
  skillRoutes(app, deps);
  secretRoutes(app, deps);
  consoleRoutes(app, deps);
  return app;
}

// The handler's own deadline: Node's requestTimeout only covers receiving the request.
function startHandlerTimer(timeoutMs: number, reply: FastifyReply): void {
  if (timeoutMs <= 0) return;
  const timer = setTimeout(() => {
    if (reply.sent) return;
    void reply
      .code(503)
      .header('connection', 'close')
      .send({ error: { code: 'REQUEST_TIMEOUT', message: `the request took longer than ${timeoutMs} ms` } });
  }, timeoutMs);
  timer.unref();
  reply.raw.once('close', () => clearTimeout(timer));
}
