import type { ClientRequest, IncomingMessage } from 'node:http';
import type { JsonValue } from '../db/schema';
import { createPolicyLookup, checkLiteralHost, effectivePort, isAllowListed } from './network-policy';
import { readNumberSetting } from './skill-env';
import { replaceNulCharacters, truncate } from './skill-schema';
import { SkillError, type SkillEnv } from './skill-types';

/** Methods the HTTP skills may use. */
export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** Default response size cap (`AOS_HTTP_MAX_BYTES`): 1 MiB. */
export const DEFAULT_HTTP_MAX_BYTES = 1024 * 1024;

/** One outbound request. */
export interface HttpRequestOptions {
  readonly url: string;
  readonly method: HttpMethod;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: string | Uint8Array | undefined;
  /** Deadline of the whole exchange, connect to last body byte. */
  readonly timeoutMs: number;
  /** The attempt's signal (SkillContext.signal): aborting it ends the request as a timeout. */
  readonly signal?: AbortSignal | undefined;
  /** Source of AOS_HTTP_ALLOW_HOSTS and AOS_HTTP_MAX_BYTES. */
  readonly env: SkillEnv;
  /** Overrides AOS_HTTP_MAX_BYTES (API clients whose whole answer is needed). */
  readonly maxBytes?: number | undefined;
  /** How errors name the request; defaults to method, origin and path (never the query). */
  readonly label?: string | undefined;
}

/** The answer, whatever its status: callers decide what a status means. */
export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  readonly contentType: string | undefined;
  /** Parsed JSON when the content type says JSON and it parses, the text otherwise. */
  readonly body: JsonValue;
  readonly bodyKind: 'json' | 'text' | 'empty';
  readonly text: string;
  /** True when the body was longer than the cap and was cut there. */
  readonly truncated: boolean;
  /** Bytes kept (≤ the cap). */
  readonly bytes: number;
}

/** `AOS_HTTP_MAX_BYTES` (default 1 MiB, at most 64 MiB). */
export function readHttpMaxBytes(env: SkillEnv): number {
  return readNumberSetting(env, 'AOS_HTTP_MAX_BYTES', DEFAULT_HTTP_MAX_BYTES, {
    min: 1,
    max: 64 * 1024 * 1024,
    integer: true,
  });
}

// Certificate problems will not fix themselves on the next attempt.
const PERMANENT_TLS_CODES = /^(ERR_TLS_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;

/**
 * Sends one HTTP(S) request under the network policy and reads at most the size cap of the
 * answer. Every HTTP-based skill goes through here: one policy, one timeout rule, one cap.
 * Redirects are not followed (a 3xx is returned as is), so a redirect cannot lead past the
 * policy. Throws a SkillError for a refused destination (`policy`), an expired deadline or
 * aborted signal (`timeout`, retryable) and connection failures (`network`, retryable except
 * certificate errors); any HTTP status is returned, not thrown.
 *
 * @example
 * ```ts
 * const res = await httpRequest({ url: 'https://api.example.com/x', method: 'GET', timeoutMs: 5000, env: process.env })
 * if (res.status === 200 && res.bodyKind === 'json') use(res.body)
 * ```
 */
export async function httpRequest(options: HttpRequestOptions): Promise<HttpResponse> {
  const url = parseUrl(options.url);
  const port = effectivePort(url);
  const allowListed = isAllowListed(url.hostname, port, options.env);
  // IP literals never reach the lookup hook (net connects to them directly): judge them here.
  if (!allowListed) checkLiteralHost(url.hostname, port);
  const maxBytes = options.maxBytes ?? readHttpMaxBytes(options.env);
  const label = options.label ?? `${options.method} ${url.origin}${url.pathname}`;
  // Loaded on first request, before the deadline starts: importing the skills (`list-skills`,
  // planners) must not pay for the HTTP stack.
  const { request: send } = await (url.protocol === 'https:' ? import('node:https') : import('node:http'));

  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const timeoutError = (): SkillError =>
    new SkillError(
      'timeout',
      deadline.aborted
        ? `${label} timed out after ${options.timeoutMs} ms`
        : `${label} was aborted: the attempt's time ran out`,
      { retryable: true, outcomeCode: 'TIMEOUT' },
    );
  if (signal.aborted) throw timeoutError();

  return new Promise<HttpResponse>((resolve, reject) => {
    let settled = false;
    let request: ClientRequest;
    const onAbort = (): void => {
      request.destroy(timeoutError());
    };
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      outcome();
    };
    const fail = (error: unknown): void => settle(() => reject(classifyRequestError(error, label)));

    try {
      request = send(url, {
        method: options.method,
        headers: { 'user-agent': 'aos-skills/0.1', ...options.headers },
        // A fresh agent per request: no pooled socket outlives the attempt or skips the lookup.
        agent: false,
        lookup: allowListed ? undefined : createPolicyLookup(port),
      });
    } catch (error) {
      throw new SkillError('validation', `${label}: ${(error as Error).message}`, {
        retryable: false,
        outcomeCode: 'INVALID_REQUEST',
        cause: error,
      });
    }
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      const finish = (): void =>
        settle(() =>
          resolve(decodeResponse(url.toString(), response, Buffer.concat(chunks), truncated, options.method)),
        );
      response.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = maxBytes - kept;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          kept += room;
          truncated = true;
          // Stop reading: the rest of an oversized body is never downloaded.
          response.destroy();
          finish();
          return;
        }
        chunks.push(chunk);
        kept += chunk.length;
      });
      response.on('end', finish);
      response.on('error', fail);
      // 'close' after 'end' is ignored (already settled); before it, the body was cut off.
      response.on('close', () =>
        fail(Object.assign(new Error('the server closed the connection mid-body'), { code: 'ECONNRESET' })),
      );
    });
    request.end(options.body);
  });
}

function parseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new SkillError('validation', `"${truncate(raw, 200)}" is not an absolute URL`, {
      retryable: false,
      outcomeCode: 'INVALID_URL',
      cause: error,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SkillError('policy', `network policy refuses ${url.protocol}// URLs: only http and https are allowed`, {
      retryable: false,
      outcomeCode: 'NETWORK_POLICY_DENIED',
    });
  }
  return url;
}

function classifyRequestError(error: unknown, label: string): SkillError {
  if (error instanceof SkillError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = `${label} failed: ${(error as Error).message}${code && !(error as Error).message.includes(code) ? ` (${code})` : ''}`;
  if (PERMANENT_TLS_CODES.test(code)) {
    return new SkillError('network', message, { retryable: false, outcomeCode: 'TLS_ERROR', cause: error });
  }
  return new SkillError('network', message, { retryable: true, outcomeCode: 'NETWORK_ERROR', cause: error });
}

function decodeResponse(
  url: string,
  response: IncomingMessage,
  raw: Buffer,
  truncated: boolean,
  method: HttpMethod,
): HttpResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const contentType = headers['content-type'];
  const text = replaceNulCharacters(decodeText(raw, contentType)) as string;
  const base = { url, status: response.statusCode ?? 0, headers, contentType, text, truncated, bytes: raw.length };
  if (method === 'HEAD' || raw.length === 0) return { ...base, body: '', bodyKind: 'empty' };
  // A cut JSON document does not parse; it is returned as the text it is.
  if (!truncated && contentType !== undefined && /^application\/([\w.+-]+\+)?json\b|\+json\b/i.test(contentType)) {
    try {
      return { ...base, body: replaceNulCharacters(JSON.parse(text) as JsonValue), bodyKind: 'json' };
    } catch {
      // Mislabelled body: fall through and hand back the text.
    }
  }
  return { ...base, body: text, bodyKind: 'text' };
}

function decodeText(raw: Buffer, contentType: string | undefined): string {
  const charset = /charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? '')?.[1];
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(raw);
  } catch {
    return new TextDecoder('utf-8').decode(raw);
  }
}

/**
 * The SkillError for an HTTP status ≥ 400, or undefined below: 4xx is `http_client_error`
 * (retryable only for 408, 425 and 429), 5xx is `http_server_error` (retryable). The error
 * carries `{status, body}` with a body excerpt so the failed step still shows what came back.
 */
export function httpStatusError(response: HttpResponse, what: string): SkillError | undefined {
  const { status } = response;
  if (status < 400) return undefined;
  const excerpt = bodyExcerpt(response);
  const output = { status, body: excerpt };
  const detail = excerpt ? `: ${truncate(excerpt.replace(/\s+/g, ' '), 200)}` : '';
  if (status >= 500) {
    return new SkillError('http_server_error', `${what} answered HTTP ${status}${detail}`, {
      retryable: true,
      outcomeCode: `HTTP_${status}`,
      output,
    });
  }
  return new SkillError('http_client_error', `${what} answered HTTP ${status}${detail}`, {
    retryable: status === 408 || status === 425 || status === 429,
    outcomeCode: `HTTP_${status}`,
    output,
  });
}

/** The first `max` characters of a response body, for error outputs and messages. */
export function bodyExcerpt(response: HttpResponse, max = 1000): string {
  return truncate(response.text, max);
}
