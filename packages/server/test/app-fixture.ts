import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openService, type AosService, type ApiKeyScope } from '@aos/core/service';
import {
  createApiKey,
  createTenant,
  generateSigningKeyFile,
  openDatabase,
  revokeApiKey,
  setTenantStatus,
  type AosDatabase,
} from '@aos/core/testing';
import {
  APP_ROLE_GRANTS,
  createTestLoginRole,
  createThrowawayDatabase,
  type TestLoginRole,
  type ThrowawayDatabase,
} from '@aos/testkit';
import { buildApp, type AosApp, type AppOptions } from '../src/app';

/** A built app (not listening) on a throwaway database, served as a least-privilege role. */
export interface AppFixture {
  readonly app: AosApp;
  readonly service: AosService;
  /** The superuser's store: for setting up keys and tenants and counting rows. */
  readonly admin: AosDatabase;
  readonly home: string;
  readonly role: TestLoginRole;
  readonly database: ThrowawayDatabase;
  key(tenantId: string, scopes?: ApiKeyScope[]): Promise<string>;
  tenant(tenantId: string): Promise<void>;
  suspend(tenantId: string): Promise<void>;
  revoke(key: string): Promise<void>;
  /** The JSON log lines the app wrote. */
  logs(): string;
  destroy(): Promise<void>;
}

export async function createAppFixture(options: AppOptions = {}): Promise<AppFixture> {
  const home = mkdtempSync(join(tmpdir(), 'aos-server-test-'));
  const database = await createThrowawayDatabase('aos_srv');
  const admin = await openDatabase({ env: { AOS_HOME: home }, url: database.url });
  const role = await createTestLoginRole(database, { grants: APP_ROLE_GRANTS });
  await generateSigningKeyFile({ AOS_HOME: home });
  // Runs execute in this process, as aos-server's default does (SPEC §14).
  const service = await openService({ env: { AOS_HOME: home, DATABASE_URL: role.url } }, { workers: 2 });
  let logText = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logText += chunk.toString('utf8');
      callback();
    },
  });
  const app = await buildApp(service, { eventPollMs: 50, ...options, log: { level: 'info', destination } });
  await app.ready();
  return {
    app,
    service,
    admin,
    home,
    role,
    database,
    key: async (tenantId, scopes) => (await createApiKey(admin.admin, { tenantId, scopes })).key,
    tenant: async (tenantId) => {
      await createTenant(admin.admin, { tenantId });
    },
    suspend: async (tenantId) => {
      await setTenantStatus(admin.admin, tenantId, 'suspended');
    },
    revoke: async (key) => {
      const prefix = key.split('_')[1] ?? '';
      const row = await admin.admin
        .selectFrom('api_keys')
        .select('id')
        .where('prefix', '=', prefix)
        .executeTakeFirstOrThrow();
      await revokeApiKey(admin.admin, row.id);
    },
    logs: () => logText,
    destroy: async () => {
      await app.close();
      await service.close();
      await admin.close();
      await database.drop();
      await role.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** `Authorization` header of a key. */
export const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });
