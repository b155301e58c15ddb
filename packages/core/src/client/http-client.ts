import { PROOF_ERROR_CODES, ProofError, type ProofErrorCode } from '@aos/proof';
import { z } from 'zod';
import { ApiErrorBodySchema } from '../aos/api-contract';
import { AOS_ERROR_CODES, AosError, type AosErrorCode } from '../errors';

/** The `fetch` the client calls: the global one (Node 20) unless a caller brings its own. */
export type FetchFunction = typeof globalThis.fetch;

/** One request of the remote client: a route, its method, and the contract schema of its answer. */
export interface ApiRequest<T> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path and query, e.g. `/v1/runs/<id>` (ids are URL-encoded by the caller). */
  readonly path: string;
  /** The route as documented (`GET /v1/runs/{id}`): what error messages name. */
  readonly route: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The schema of a successful answer's JSON body. */
  readonly schema: z.core.$ZodType<T>;
  /** Sends no Authorization header (`GET /v1/keys` is public). */
  readonly anonymous?: boolean;
}

/** An answer: the parsed body and the HTTP status (201 vs 200 tells created from replaced). */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

const AOS_CODES: ReadonlySet<string> = new Set(AOS_ERROR_CODES);
const PROOF_CODES: ReadonlySet<string> = new Set(PROOF_ERROR_CODES);

/** The first zod issue as `field: problem` (the field path dotted; `(root)` for the document). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path.map(String).join('.');
  return `${path === '' ? '(root)' : path}: ${issue.message}`;
}

/**
 * The error an HTTP error answer stands for, with the code the local facade would throw: the
 * body's code when this version knows it (AosError or ProofError), else by status — 401
 * UNAUTHENTICATED, 403 FORBIDDEN whatever the body says, so the CLIs' exit codes hold.
 */
export function errorFromAnswer(route: string, status: number, text: string): Error {
  let code: string | null = null;
  let message = text.trim().slice(0, 300);
  try {
    const parsed = ApiErrorBodySchema.safeParse(JSON.parse(text));
    if (parsed.success) ({ code, message } = parsed.data.error);
  } catch {
    // Not JSON (a proxy's error page): the status decides, the text is shown.
  }
  if (status === 401) return new AosError('UNAUTHENTICATED', message || 'the API key was refused');
  if (status === 403) return new AosError('FORBIDDEN', message || 'the API key may not do this');
  if (code !== null && AOS_CODES.has(code)) return new AosError(code as AosErrorCode, message);
  if (code !== null && PROOF_CODES.has(code)) return new ProofError(code as ProofErrorCode, message);
  if (status === 400 || status === 413) return new AosError('INVALID_INPUT', `${route}: ${message}`);
  return new AosError('API_ERROR', `${route}: HTTP ${status}${code ? ` ${code}` : ''}: ${message || 'no message'}`);
}

/**
 * A small JSON-over-HTTP client bound to one API URL and key: every answer is parsed with its
 * contract schema, every failure becomes an AosError (or ProofError) with a stable code.
 */
export class HttpClient {
  readonly apiUrl: string;
  readonly #apiKey: string;
  readonly #fetch: FetchFunction;

  constructor(options: { apiUrl: string; apiKey: string; fetch?: FetchFunction | undefined }) {
    this.apiUrl = options.apiUrl.replace(/\/+$/, '');
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /** Sends one request and returns its parsed answer; throws for an error status or a bad body. */
  async request<T>(request: ApiRequest<T>): Promise<ApiAnswer<T>> {
    const response = await this.send(request.method, request.path, {
      route: request.route,
      body: request.body,
      headers: request.headers,
      anonymous: request.anonymous,
    });
    const text = await this.#readText(request.route, response);
    if (!response.ok) throw errorFromAnswer(request.route, response.status, text);
    return { status: response.status, body: this.parse(request.route, request.schema, text) };
  }

  /** Sends one request and returns the raw response (streams and bundles are read by the caller). */
  async send(
    method: string,
    path: string,
    options: {
      route: string;
      body?: unknown;
      headers?: Readonly<Record<string, string>> | undefined;
      anonymous?: boolean | undefined;
      signal?: AbortSignal | undefined;
    },
  ): Promise<Response> {
    const url = `${this.apiUrl}${path}`;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (!options.anonymous) headers.authorization = `Bearer ${this.#apiKey}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await this.#fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw unreachable(this.apiUrl, error);
    }
  }

  /** Parses an answer's text with its contract schema: a one-line error names the route and field. */
  parse<T>(route: string, schema: z.core.$ZodType<T>, text: string): T {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AosError('API_BAD_RESPONSE', `${route}: the server's answer is not JSON`);
    }
    // `z.safeParse`, not a method: @aos/proof's schemas are zod/mini ones.
    const parsed = z.safeParse(schema, json);
    if (!parsed.success) {
      throw new AosError(
        'API_BAD_RESPONSE',
        `${route}: the server's answer does not match the API contract: ${describeIssue(parsed.error)}`,
      );
    }
    return parsed.data;
  }

  async #readText(route: string, response: Response): Promise<string> {
    try {
      return await response.text();
    } catch (error) {
      throw new AosError(
        'API_UNREACHABLE',
        `${route}: the answer from ${this.apiUrl} broke off (${causeText(error)})`,
        {
          cause: error,
        },
      );
    }
  }
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** A network failure: one line naming the URL and what to check. */
export function unreachable(apiUrl: string, error: unknown): AosError {
  return new AosError(
    'API_UNREACHABLE',
    `cannot reach the AOS API at ${apiUrl} (${causeText(error)}): check AOS_API_URL (or --api-url, or the profile's URL) and that the server is running`,
    { cause: error },
  );
}
