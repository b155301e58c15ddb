import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the peer received it. */
export interface PeerRequest {
  readonly method: string;
  /** Path with query string, as sent. */
  readonly path: string;
  /** Path without the query string. */
  readonly pathname: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json<T = unknown>(): T;
}

/** What the peer answers. */
export interface PeerResponse {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else as JSON (with a JSON content type). */
  readonly body?: unknown;
  /** Wait this long before answering (the client may give up first). */
  readonly delayMs?: number;
  /** Send a body of exactly this many bytes ("x" repeated) instead of `body`. */
  readonly sizeBytes?: number;
}

/** Computes an answer from the request. */
export type PeerHandler = (request: PeerRequest) => PeerResponse | Promise<PeerResponse>;

/** A programmable HTTP server on 127.0.0.1 that records everything it receives. */
export interface HttpPeer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, ready for AOS_HTTP_ALLOW_HOSTS. */
  readonly hostPort: string;
  /** Every request, in arrival order. */
  readonly requests: PeerRequest[];
  /** Requests received for `pathname` (any method). */
  hits(pathname: string): number;
  /** Sets (or replaces) the answer for `"METHOD /path"` or `"/path"` (any method). */
  route(key: string, response: PeerResponse | PeerHandler): void;
  close(): Promise<void>;
}

/** Options of {@link startHttpPeer}. */
export interface HttpPeerOptions {
  /** Initial routes, keyed `"METHOD /path"` or `"/path"`. */
  readonly routes?: Record<string, PeerResponse | PeerHandler>;
  /** Answer for requests no route matches (default: 404 JSON). */
  readonly fallback?: PeerHandler;
}

/**
 * Starts a real HTTP server on 127.0.0.1 (port 0). Routes answer with a status, headers, body,
 * a delay or a body of a given size; every request's method, path, headers and body are kept.
 *
 * @example
 * ```ts
 * const peer = await startHttpPeer({ routes: { 'GET /items': { body: [{ id: 1 }] } } })
 * // … call `${peer.url}/items` with AOS_HTTP_ALLOW_HOSTS=peer.hostPort …
 * expect(peer.hits('/items')).toBe(1)
 * await peer.close()
 * ```
 */
export async function startHttpPeer(options: HttpPeerOptions = {}): Promise<HttpPeer> {
  const routes = new Map<string, PeerResponse | PeerHandler>(Object.entries(options.routes ?? {}));
  const requests: PeerRequest[] = [];
  const fallback: PeerHandler =
    options.fallback ??
    ((request) => ({ status: 404, body: { error: `no route for ${request.method} ${request.pathname}` } }));

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const pathname = path.split('?')[0] ?? '/';
      const method = req.method ?? 'GET';
      const text = body.toString('utf8');
      const request: PeerRequest = {
        method,
        path,
        pathname,
        headers: req.headers,
        body,
        text,
        json: <T>() => JSON.parse(text) as T,
      };
      requests.push(request);
      // HEAD is answered like GET, as real servers do.
      const route =
        routes.get(`${method} ${pathname}`) ??
        (method === 'HEAD' ? routes.get(`GET ${pathname}`) : undefined) ??
        routes.get(pathname) ??
        fallback;
      void (async () => {
        const answer = typeof route === 'function' ? await route(request) : route;
        if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
        if (res.destroyed) return;
        let payload: Buffer;
        const headers: Record<string, string> = { ...answer.headers };
        const hasType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
        if (answer.sizeBytes !== undefined) {
          payload = Buffer.alloc(answer.sizeBytes, 'x');
          if (!hasType) headers['content-type'] = 'text/plain';
        } else if (answer.body === undefined) {
          payload = Buffer.alloc(0);
        } else if (typeof answer.body === 'string' || Buffer.isBuffer(answer.body)) {
          payload = Buffer.from(answer.body);
          if (!hasType) headers['content-type'] = 'text/plain; charset=utf-8';
        } else {
          payload = Buffer.from(JSON.stringify(answer.body));
          if (!hasType) headers['content-type'] = 'application/json';
        }
        res.writeHead(answer.status ?? 200, { ...headers, 'content-length': String(payload.length) });
        res.end(method === 'HEAD' ? undefined : payload);
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    hostPort: `127.0.0.1:${port}`,
    requests,
    hits: (pathname) => requests.filter((request) => request.pathname === pathname).length,
    route: (key, response) => {
      routes.set(key, response);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
