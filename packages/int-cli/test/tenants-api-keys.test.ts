import { describeEachDriver } from '@aos/testkit';
import { expect, it } from 'vitest';
import {
  ApiKeyCreatedShape,
  ApiKeyDocShape,
  ApiKeysDocShape,
  SharedAgentShape,
  TenantDocShape,
  TenantsDocShape,
} from '../src/json-shapes';
import { ErrorJsonSchema as ErrorShape } from '@aos/proof/cli-kit/schemas';
import { cliOn, countRows, query } from './cli-harness';

describeEachDriver('int-cli tenants, api-keys and agents', (t) => {
  it('creates, lists, suspends and resumes tenants; a taken id is exit 2 and writes nothing', async () => {
    const created = await cliOn(t, ['tenants', 'create', '--tenant-id', 'acme', '--name', 'Acme Corp', '--json']);
    expect(created.code).toBe(0);
    expect(TenantDocShape.parse(JSON.parse(created.stdout)).tenant).toMatchObject({ id: 'acme', status: 'active' });
    const again = await cliOn(t, ['tenants', 'create', '--tenant-id', 'acme']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/tenant acme already exists/);
    expect(await countRows(t, 'tenants')).toBe(1);

    const suspended = await cliOn(t, ['tenants', 'suspend', '--tenant-id', 'acme']);
    expect(suspended.stdout).toBe('Suspended tenant acme (Acme Corp): suspended\n');
    const list = await cliOn(t, ['tenants', 'list', '--json']);
    expect(TenantsDocShape.parse(JSON.parse(list.stdout)).tenants.map((x) => x.status)).toEqual(['suspended']);
    expect((await cliOn(t, ['tenants', 'resume', '--tenant-id', 'acme'])).code).toBe(0);
    const missing = await cliOn(t, ['tenants', 'suspend', '--tenant-id', 'nobody', '--json']);
    expect(missing.code).toBe(3);
    expect(ErrorShape.parse(JSON.parse(missing.stdout)).error.code).toBe('TENANT_NOT_FOUND');
  });

  it('prints a new key once (the JSON `key`), stores only its hash, lists prefixes and revokes for good', async () => {
    const created = await cliOn(t, [
      'api-keys',
      'create',
      '--tenant-id',
      'acme',
      '--scope',
      'runs:read',
      '--scope',
      'proofs:read',
      '--json',
    ]);
    expect(created.code).toBe(0);
    const { key, api_key: apiKey } = ApiKeyCreatedShape.parse(JSON.parse(created.stdout));
    expect(apiKey.scopes).toEqual(['runs:read', 'proofs:read']);
    const stored = await query(t, (db) => db.selectFrom('api_keys').selectAll().execute());
    expect(JSON.stringify(stored)).not.toContain(key.slice(17));

    const text = await cliOn(t, ['api-keys', 'create', '--tenant-id', 'acme']);
    expect(text.stdout).toMatch(/Key \(shown once; only its SHA-256 is stored\):\n {2}aos_[a-z0-9]{12}_/);

    const listed = await cliOn(t, ['api-keys', 'list', '--tenant-id', 'acme', '--json']);
    const keys = ApiKeysDocShape.parse(JSON.parse(listed.stdout)).api_keys;
    expect(keys).toHaveLength(2);
    expect(listed.stdout).not.toContain(key);

    const revoked = await cliOn(t, ['api-keys', 'revoke', apiKey.id, '--json']);
    expect(ApiKeyDocShape.parse(JSON.parse(revoked.stdout)).api_key.revoked_at).not.toBeNull();
    expect((await cliOn(t, ['api-keys', 'revoke', '00000000-0000-4000-8000-000000000000'])).code).toBe(3);
  });

  it('refuses an unknown scope or tenant with nothing written', async () => {
    const before = await countRows(t, 'api_keys');
    const scope = await cliOn(t, ['api-keys', 'create', '--tenant-id', 'acme', '--scope', 'admin']);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toMatch(/--scope/);
    const tenant = await cliOn(t, ['api-keys', 'create', '--tenant-id', 'nobody']);
    expect(tenant.code).toBe(3);
    expect(tenant.stderr).toMatch(/no tenant nobody; create it with int-cli tenants create/);
    expect(await countRows(t, 'api_keys')).toBe(before);
  });

  it('creates shared agents only, with --shared', async () => {
    const shared = await cliOn(t, ['agents', 'create', '--shared', '--name', 'helper', '--json']);
    expect(shared.code).toBe(0);
    expect(SharedAgentShape.parse(JSON.parse(shared.stdout)).agent.tenant_id).toBeNull();
    const without = await cliOn(t, ['agents', 'create', '--name', 'helper']);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/--shared is required/);
    expect(await countRows(t, 'agents')).toBe(1);
  });
});
