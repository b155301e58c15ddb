import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APP_ROLE_GRANTS,
  createTestLoginRole,
  createThrowawayDatabase,
  type TestLoginRole,
  type ThrowawayDatabase,
} from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openService } from '../src/service/index';
import { createApiKey, createTenant, openDatabase } from '../src/testing';

// The service runs on a Postgres server only, as a least-privilege role: these are the checks it
// makes of its database before it serves, and the facade behind key authentication.

describe.skipIf(!inject('aosServerAvailable'))('openService [server]', () => {
  let database: ThrowawayDatabase;
  let app: TestLoginRole;
  let home: string;
  const roles: TestLoginRole[] = [];
  const env = (url: string) => ({ AOS_HOME: home, DATABASE_URL: url });

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'aos-service-'));
    database = await createThrowawayDatabase();
    const admin = await openDatabase({ env: { AOS_HOME: home }, url: database.url });
    await createTenant(admin.admin, { tenantId: 'acme' });
    await admin.close();
    app = await createTestLoginRole(database, { grants: APP_ROLE_GRANTS });
    roles.push(app);
  });
  afterAll(async () => {
    await database.drop();
    for (const role of roles) await role.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses the embedded database: one local process owns it', async () => {
    await expect(openService({ env: { AOS_HOME: home } })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('set DATABASE_URL') as unknown,
    });
  });

  it('refuses a superuser, naming the role', async () => {
    await expect(openService({ env: env(database.url) })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/role postgres is a superuser/) as unknown,
    });
  });

  it('refuses a BYPASSRLS role and a role that owns the tables', async () => {
    const bypass = await createTestLoginRole(database, { attributes: 'BYPASSRLS', grants: APP_ROLE_GRANTS });
    const owner = await createTestLoginRole(database, {
      grants: [...APP_ROLE_GRANTS, 'ALTER TABLE api_keys OWNER TO {role}'],
    });
    roles.push(bypass, owner);
    await expect(openService({ env: env(bypass.url) })).rejects.toThrow(`role ${bypass.role} has BYPASSRLS`);
    await expect(openService({ env: env(owner.url) })).rejects.toThrow(`role ${owner.role} owns 1 of the AOS tables`);
  });

  it('executing runs needs aos_worker: without it the service refuses to start with workers, saying what to grant', async () => {
    const appOnly = await createTestLoginRole(database, { grants: ['GRANT aos_app TO {role}'] });
    roles.push(appOnly);
    await expect(openService({ env: env(appOnly.url) }, { workers: 2 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining(`role ${appOnly.role} is not granted aos_worker`) as unknown,
    });
    await expect(openService({ env: env(appOnly.url) }, { workers: -1 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    // The API alone (other processes execute the runs) needs only aos_app.
    const apiOnly = await openService({ env: env(appOnly.url) }, { workers: 0 });
    expect(apiOnly.worker).toBeNull();
    await apiOnly.close();
  });

  it('refuses a schema that is not current, saying what to run', async () => {
    const empty = await createThrowawayDatabase();
    const role = await createTestLoginRole(empty, { grants: APP_ROLE_GRANTS });
    try {
      await expect(openService({ env: env(role.url) })).rejects.toMatchObject({
        code: 'MIGRATION_FAILED',
        message: expect.stringContaining('int-cli migrate') as unknown,
      });
    } finally {
      await empty.drop();
      await role.drop();
    }
  });

  it('serves the facade as the app role, for the tenant of a valid key', async () => {
    const service = await openService({ env: env(app.url) });
    try {
      expect(service.role).toBe(app.role);
      await service.ready();
      const admin = await openDatabase({ env: { AOS_HOME: home }, url: database.url, migrate: false });
      const { key } = await createApiKey(admin.admin, { tenantId: 'acme', scopes: ['runs:write'] });
      await admin.close();
      const { tenantId } = await service.authenticate(key, 'runs:write');
      await expect(service.authenticate(key, 'proofs:read')).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(service.authenticate('aos_nope')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      const agent = await service.aos.agents.create({ name: 'svc', tenantId });
      const { run } = await service.aos.runs.run({ tenantId, agentId: agent.id, goal: 'echo service' });
      expect(run.status).toBe('succeeded');
      const report = await service.aos.proofs.verify({ tenantId, runId: run.id });
      expect(report.integrity.verification_status).toBe('VERIFIED');
    } finally {
      await service.close();
    }
  });
});
