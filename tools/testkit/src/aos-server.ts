import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createApiKey,
  createTenant,
  generateSigningKeyFile,
  openDatabase,
  revokeApiKey,
  setTenantStatus,
  type AosDatabase,
  type ApiKeyScope,
} from '@aos/core/testing';
import { spawnNode, type RunningChild } from './child-process';
import { APP_ROLE_GRANTS, createTestLoginRole, createThrowawayDatabase } from './server-postgres';

/** The built `aos-server` bin (the root `pnpm test` builds first). */
export const AOS_SERVER_BIN = fileURLToPath(new URL('../../../packages/server/dist/bin.js', import.meta.url));

/** The line `aos-server` prints on stderr once it listens: `aos-server listening on <url>`. */
export const AOS_SERVER_LISTENING = /aos-server listening on (http:\/\/\S+)/;

/** A running `aos-server` process on a throwaway database, with a tenant and an API key. */
export interface TestAosServer {
  /** Base URL, e.g. `http://127.0.0.1:43121` (no trailing slash). */
  readonly url: string;
  /** The tenant `apiKey` belongs to. */
  readonly tenantId: string;
  /** A key of `tenantId` with the scopes asked for (every scope by default). */
  readonly apiKey: string;
  /** AOS_HOME of the server: holds its signing key (`signing.key`) and verifier key set. */
  readonly home: string;
  /** The database URL the server connects with: a non-superuser login role with the app grants. */
  readonly databaseUrl: string;
  /** Creates another key (for `tenantId` by default, every scope by default). */
  createApiKey(options?: { tenantId?: string; scopes?: ApiKeyScope[] }): Promise<string>;
  createTenant(tenantId: string): Promise<void>;
  suspendTenant(tenantId: string): Promise<void>;
  /** Revokes a key by its secret (as `int-cli api-keys revoke` does by its id). */
  revokeApiKey(key: string): Promise<void>;
  /** Everything the process wrote so far: its JSON request logs (stdout) and diagnostics (stderr). */
  logs(): string;
  /** SIGTERM, wait for exit, then drop the database and the role and remove AOS_HOME. */
  stop(): Promise<void>;
}

/**
 * Starts the built `aos-server` as a real process on a fresh database of the test Postgres
 * server: migrated as the superuser, served as a least-privilege login role (the service refuses
 * anything else), with a signing key under a fresh AOS_HOME, a tenant and an API key.
 *
 * @example
 * ```ts
 * const server = await startTestAosServer({ scopes: ['runs:read'] })
 * try {
 *   const res = await fetch(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${server.apiKey}` } })
 * } finally { await server.stop() }
 * ```
 */
export async function startTestAosServer(
  options: { tenantId?: string; scopes?: ApiKeyScope[]; env?: Record<string, string>; args?: readonly string[] } = {},
): Promise<TestAosServer> {
  const tenantId = options.tenantId ?? 'acme';
  const home = mkdtempSync(join(tmpdir(), 'aos-server-home-'));
  const database = await createThrowawayDatabase('aos_srv');
  let admin: AosDatabase | undefined;
  let role: Awaited<ReturnType<typeof createTestLoginRole>> | undefined;
  let child: RunningChild | undefined;
  const cleanUp = async (): Promise<void> => {
    if (child && child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGTERM');
      const timer = setTimeout(() => child?.child.kill('SIGKILL'), 15_000);
      await child.exited;
      clearTimeout(timer);
    }
    await admin?.close();
    await database.drop();
    await role?.drop();
    rmSync(home, { recursive: true, force: true });
  };
  try {
    // The superuser migrates; the server itself never may.
    admin = await openDatabase({ env: { AOS_HOME: home }, url: database.url });
    const db = admin.admin;
    await createTenant(db, { tenantId });
    const { key } = await createApiKey(db, { tenantId, scopes: options.scopes });
    role = await createTestLoginRole(database, { grants: APP_ROLE_GRANTS });
    // A key from the start, so `/v1/keys` names the current verifier key before any run is sealed.
    await generateSigningKeyFile({ AOS_HOME: home });
    child = spawnNode([AOS_SERVER_BIN, '--port', '0', ...(options.args ?? [])], {
      env: { AOS_HOME: home, DATABASE_URL: role.url, NO_COLOR: '1', ...options.env },
    });
    await child.waitForStderr('aos-server listening on', 30_000);
    const url = AOS_SERVER_LISTENING.exec(child.stderr())?.[1];
    if (url === undefined) throw new Error(`aos-server printed no address: ${child.stderr()}`);
    const running = child;
    const databaseUrl = role.url;
    let stopped: Promise<void> | undefined;
    return {
      url: url.replace(/\/$/, ''),
      tenantId,
      apiKey: key,
      home,
      databaseUrl,
      createApiKey: async (o = {}) =>
        (await createApiKey(db, { tenantId: o.tenantId ?? tenantId, scopes: o.scopes })).key,
      createTenant: async (id) => {
        await createTenant(db, { tenantId: id });
      },
      suspendTenant: async (id) => {
        await setTenantStatus(db, id, 'suspended');
      },
      revokeApiKey: async (presented) => {
        const prefix = /^aos_([a-z0-9]{12})_/.exec(presented)?.[1];
        const row = await db
          .selectFrom('api_keys')
          .select('id')
          .where('prefix', '=', prefix ?? '')
          .executeTakeFirst();
        if (!row) throw new Error('revokeApiKey: no such key');
        await revokeApiKey(db, row.id);
      },
      logs: () => running.stdout() + running.stderr(),
      stop: () => (stopped ??= cleanUp()),
    };
  } catch (error) {
    const output = child ? `\n${child.stdout()}${child.stderr()}` : '';
    await cleanUp().catch(() => undefined);
    if (error instanceof Error && output) error.message += output;
    throw error;
  }
}
