import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ProofError } from '../errors';
import { parseVerifierKey, type SigningKey, type VerifierKey } from '../note-key';
import { cosignerKeyFrom } from '../tlog-cosignature';
import { addCheckpoint, type WitnessReply } from './add-checkpoint';
import { WitnessStateDir } from './witness-state';

/** Far above any checkpoint with 63 proof lines and a few signatures. */
const MAX_REQUEST_BYTES = 64 * 1024;

/**
 * Options of {@link startWitnessServer}.
 *
 * @example
 * ```ts
 * const options: WitnessServerOptions = { key, stateDir: '/var/lib/witness', logKeys: [vkey] };
 * ```
 */
export interface WitnessServerOptions {
  /** The witness's own Ed25519 key; it cosigns as type 0x04 (c2sp.org/tlog-cosignature). */
  readonly key: SigningKey;
  /** Directory of the latest cosigned checkpoint per origin (created 0700 if missing). */
  readonly stateDir: string;
  /**
   * Trusted log keys. A key named N covers origin N and every origin under `N/` (an AOS
   * deployment key signs `<deployment>/tenants/<tenant_id>`).
   */
  readonly logKeys: readonly (string | VerifierKey)[];
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** POSIX seconds for cosignature timestamps; default the system clock. */
  readonly now?: () => number;
}

/**
 * A running witness.
 *
 * @example
 * ```ts
 * const witness: WitnessServer = await startWitnessServer(options);
 * await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
 * await witness.close();
 * ```
 */
export interface WitnessServer {
  /** `http://host:port`, the submission prefix. */
  readonly url: string;
  readonly port: number;
  /** The witness's cosigner verifier key (`name+keyid+base64(0x04 ‖ key)`). */
  readonly verifierKey: string;
  close(): Promise<void>;
}

/**
 * Starts a C2SP tlog-witness (c2sp.org/tlog-witness) serving `POST /add-checkpoint`: it checks
 * the log's signature and a consistency proof from the latest checkpoint it cosigned for that
 * origin, refuses stale sizes (409) and forks or split views (422), persists the new
 * checkpoint durably, then answers its cosignature. Throws a {@link ProofError} `PROOF_BAD_KEY`
 * for a malformed log key, `PROOF_IO` when the state directory cannot be created.
 *
 * @example
 * ```ts
 * const witness = await startWitnessServer({
 *   key: await readSigningKeyFile('witness.key'),
 *   stateDir: 'witness-state',
 *   logKeys: ['aos.example.com+1a2b3c4d+AR…'],
 *   port: 8080,
 * });
 * console.log(`cosigning as ${witness.verifierKey} at ${witness.url}`);
 * ```
 */
export async function startWitnessServer(options: WitnessServerOptions): Promise<WitnessServer> {
  const logKeys = options.logKeys.map((key) => (typeof key === 'string' ? parseVerifierKey(key) : key));
  if (logKeys.length === 0) throw new ProofError('PROOF_USAGE', 'a witness needs at least one trusted log key');
  const cosigner = cosignerKeyFrom(options.key);
  const state = await WitnessStateDir.open(options.stateDir);
  const queues = new Map<string, Promise<unknown>>();
  const lock = <T>(origin: string, work: () => Promise<T>): Promise<T> => {
    const previous = queues.get(origin) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    queues.set(origin, tail);
    void tail.then(() => {
      if (queues.get(origin) === tail) queues.delete(origin);
    });
    return run;
  };
  const context = {
    cosigner,
    logKeys,
    state,
    lock,
    now: options.now ?? (() => Math.floor(Date.now() / 1000)),
  };
  const server = createServer((request, response) => {
    void handle(request, response, (body) => addCheckpoint(context, body));
  });
  await listen(server, options.host ?? '127.0.0.1', options.port ?? 0);
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    verifierKey: cosigner.verifierKey,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  add: (body: string) => Promise<WitnessReply>,
): Promise<void> {
  let reply: WitnessReply;
  try {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/add-checkpoint') {
      reply = { status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found\n' };
    } else if (request.method !== 'POST') {
      response.setHeader('allow', 'POST');
      reply = { status: 405, contentType: 'text/plain; charset=utf-8', body: 'use POST\n' };
    } else {
      const body = await readBody(request);
      reply =
        body === null
          ? { status: 413, contentType: 'text/plain; charset=utf-8', body: 'request too large\n' }
          : await add(body);
    }
  } catch {
    // The state could not be read or written: nothing was cosigned.
    reply = { status: 500, contentType: 'text/plain; charset=utf-8', body: 'witness state unavailable\n' };
  }
  response.writeHead(reply.status, { 'content-type': reply.contentType });
  response.end(reply.body);
}

/** The UTF-8 body, or null once it exceeds the bound (the rest is not read). */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_REQUEST_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
