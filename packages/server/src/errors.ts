import type { ApiErrorBody } from '@aos/core/contract';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';

/**
 * An error the HTTP layer itself raises (limits, rate limits, bad headers), with the status it
 * answers with and a stable code for the `{"error":{"code","message"}}` body.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;

  constructor(statusCode: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

// The facade's and the proof library's stable codes (packages/core/src/errors.ts,
// packages/proof/src/errors.ts), by the status they answer with. docs/api.md has the same table.
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  INVALID_INPUT: 400,
  PLAN_INVALID: 400,
  PLAN_GENERATION_FAILED: 400,
  SKILL_NOT_FOUND: 400,
  NETWORK_POLICY_DENIED: 400,
  PROOF_BAD_INPUT: 400,
  UNAUTHENTICATED: 401,
  // A tenant's budget does not admit the work: not a rate limit (retrying later does not help
  // until the budget is raised or its window rolls over), not a permission problem.
  BUDGET_EXCEEDED: 402,
  FORBIDDEN: 403,
  AGENT_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  SECRET_NOT_FOUND: 404,
  TENANT_NOT_FOUND: 404,
  API_KEY_NOT_FOUND: 404,
  PROOF_NOT_FOUND: 404,
  LOG_NOT_FOUND: 404,
  IDEMPOTENCY_CONFLICT: 409,
  AGENT_NOT_ACTIVE: 409,
  AGENT_ARCHIVED: 409,
  RUN_FINISHED: 409,
  RUN_EXECUTING: 409,
  TENANT_EXISTS: 409,
  PROOF_NOT_SEALED: 409,
};

// The deployment's own problems (keys, schema, database): 503 with the code, but the detail
// (file paths, role names) goes to the log only.
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set([
  'KEY_NOT_FOUND',
  'DATA_KEY_UNAVAILABLE',
  'CONFIG_INVALID',
  'MIGRATION_FAILED',
  'DB_OPEN_FAILED',
  'DB_LOCKED',
]);

// What Fastify and its plugins raise, by status, when they carry no code of ours.
const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_INPUT',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
  503: 'SERVICE_UNAVAILABLE',
};

/** What an error answers with; `internal` errors are logged in full and shown as a generic message. */
export interface ErrorReply {
  readonly status: number;
  readonly body: ApiErrorBody;
  readonly internal: boolean;
}

const AOS_CODE = /^[A-Z][A-Z0-9_]+$/;

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 1000);
}

/**
 * The one mapping from an error to an HTTP answer: stable codes to statuses (STATUS_BY_CODE),
 * zod validation failures to 400 naming the field, Fastify's own errors (413, 415, bad JSON…)
 * to their status with a code of ours, anything else to a 500 that says nothing about why.
 *
 * @example
 * ```ts
 * const { status, body } = errorReply(new AosError('RUN_NOT_FOUND', 'run … not found'))
 * // 404, { error: { code: 'RUN_NOT_FOUND', message: 'run … not found' } }
 * ```
 */
export function errorReply(error: unknown): ErrorReply {
  const reply = (status: number, code: string, message: string, internal = false): ErrorReply => ({
    status,
    body: { error: { code, message: firstLine(message) || code } },
    internal,
  });
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0];
    const where = [error.validationContext ?? 'request', ...(issue?.instancePath.split('/').filter(Boolean) ?? [])];
    return reply(400, 'INVALID_INPUT', `${where.join('.')}: ${issue?.message ?? 'invalid value'}`);
  }
  if (isResponseSerializationError(error)) return reply(500, 'INTERNAL', 'internal error', true);
  if (error instanceof HttpError) return reply(error.statusCode, error.code, error.message);
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && AOS_CODE.test(code)) {
    const status = STATUS_BY_CODE[code];
    if (status !== undefined) return reply(status, code, message);
    if (UNAVAILABLE_CODES.has(code)) {
      return reply(503, code, 'the service cannot do this now; the operator can see why in its log', true);
    }
  }
  // Fastify's own errors (FST_ERR_CTP_BODY_TOO_LARGE, FST_ERR_CTP_INVALID_MEDIA_TYPE, bad JSON…)
  // carry a 4xx statusCode; their messages name the problem and nothing of ours.
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return reply(statusCode, CODE_BY_STATUS[statusCode] ?? 'INVALID_INPUT', message);
  }
  if (statusCode === 503) return reply(503, 'SERVICE_UNAVAILABLE', 'the service is shutting down or not ready');
  return reply(500, 'INTERNAL', 'internal error', true);
}
