import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP peer in front of a real API, able to rewrite the answers it passes on. */
export interface ApiProxy {
  /** Base URL of the proxy (no trailing slash). */
  readonly url: string;
  /** Paths asked for so far, in order (with their query). */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

/**
 * Forwards every request to `target` and passes the answer on, except that an answer whose path
 * `rewrite` returns a new body for is replaced by it (status and headers kept, length fixed). A
 * real server behind a man in the middle: what a client must not believe.
 *
 * @example
 * ```ts
 * const proxy = await startApiProxy(server.url, (path, body) => path.endsWith('/bundle') ? flipOneByte(body) : null)
 * ```
 */
export async function startApiProxy(
  target: string,
  rewrite: (path: string, body: Buffer) => Buffer | null,
): Promise<ApiProxy> {
  const requests: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/';
    requests.push(path);
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && name !== 'host' && name !== 'content-length') headers.set(name, value);
      }
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${target}${path}`, { method: request.method, headers, body })
        .then(async (answer) => {
          const original = Buffer.from(await answer.arrayBuffer());
          const replaced = rewrite(path, original) ?? original;
          const out: Record<string, string> = {};
          answer.headers.forEach((value, name) => {
            if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'content-encoding')
              out[name] = value;
          });
          out['content-length'] = String(replaced.length);
          response.writeHead(answer.status, out);
          response.end(replaced);
        })
        .catch((error: unknown) => {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
