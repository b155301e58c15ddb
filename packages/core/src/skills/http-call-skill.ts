import { z } from 'zod';
import { HTTP_METHODS, httpRequest, httpStatusError } from './http-client';
import { redactSecrets } from './redact-secrets';
import { boundedJson, httpUrlString, requestHeaders, strictParams } from './skill-schema';
import { defineSkill } from './skill-types';

const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const httpCallInput = strictParams({
  url: httpUrlString(),
  method: z.enum(HTTP_METHODS).default('GET'),
  headers: requestHeaders().optional(),
  body: boundedJson(MAX_REQUEST_BODY_BYTES).optional(),
  timeout_ms: z.number().int().min(1).max(300_000).optional(),
}).superRefine((input, ctx) => {
  if (input.body !== undefined && (input.method === 'GET' || input.method === 'HEAD')) {
    ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${input.method} request cannot have a body` });
  }
});

/** Params of http_call. */
export type HttpCallInput = z.infer<typeof httpCallInput>;

function hasHeader(headers: Readonly<Record<string, string>> | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((key) => key.toLowerCase() === name);
}

/**
 * `http_call`: one HTTP request under the network policy, with a timeout and a response size
 * cap. A string body is sent as is (text/plain unless a Content-Type is given), any other JSON
 * value as JSON. Output `{status, headers, body, truncated}`: `body` is parsed JSON when the
 * answer says it is JSON, text otherwise; credential headers of the answer are redacted.
 * A status ≥ 400 fails the attempt (4xx non-retryable except 408/425/429, 5xx retryable);
 * connection errors and timeouts are retryable. The runner retries; this skill never loops.
 *
 * @example
 * ```ts
 * await httpCallSkill.execute(httpCallSkill.inputSchema.parse({ url: 'https://api.example.com/items' }), ctx)
 * // output: { status: 200, headers: {...}, body: [...], truncated: false }, outcomeCode 'HTTP_200'
 * ```
 */
export const httpCallSkill = defineSkill({
  name: 'http_call',
  version: '1.0.0',
  description:
    'HTTP request (GET/POST/PUT/PATCH/DELETE/HEAD) under the network policy, with timeout and response size cap; a status >= 400 fails the step.',
  inputSchema: httpCallInput,
  deterministic: false,
  sideEffects: true,
  network: true,
  defaultTimeoutMs: 30_000,
  estimateCostCents: () => 0,
  async execute(input, ctx) {
    const headers: Record<string, string> = { ...input.headers };
    let body: string | undefined;
    if (input.body !== undefined) {
      const isText = typeof input.body === 'string';
      body = isText ? (input.body as string) : JSON.stringify(input.body);
      if (!hasHeader(headers, 'content-type')) {
        headers['content-type'] = isText ? 'text/plain; charset=utf-8' : 'application/json';
      }
    }
    if (!hasHeader(headers, 'accept')) headers.accept = 'application/json, text/plain;q=0.9, */*;q=0.5';
    const response = await httpRequest({
      url: input.url,
      method: input.method,
      headers,
      body,
      timeoutMs: Math.min(input.timeout_ms ?? ctx.timeoutMs, ctx.timeoutMs),
      signal: ctx.signal,
      env: ctx.env,
    });
    const failure = httpStatusError(response, `${input.method} ${new URL(input.url).host}`);
    if (failure) throw failure;
    return {
      output: {
        status: response.status,
        headers: redactSecrets(response.headers),
        body: response.body,
        truncated: response.truncated,
      },
      costCents: 0,
      outcomeCode: `HTTP_${response.status}`,
    };
  },
});
