import { createHash } from 'node:crypto';
import { describeEachDriver } from '@aos/testkit';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import {
  authenticateApiKey,
  createApiKey,
  createTenant,
  listApiKeys,
  listTenants,
  revokeApiKey,
  setTenantStatus,
} from '../src/testing';

describeEachDriver('tenants and API keys', (t) => {
  it('creates tenants once: a second create of the same id is TENANT_EXISTS', async () => {
    const db = await t.db();
    const acme = await createTenant(db, { tenantId: 'acme', name: 'Acme Corp' });
    expect(acme).toMatchObject({ id: 'acme', name: 'Acme Corp', status: 'active' });
    expect(await createTenant(db, { tenantId: 'beta' })).toMatchObject({ id: 'beta', name: 'beta' });
    await expect(createTenant(db, { tenantId: 'acme' })).rejects.toMatchObject({ code: 'TENANT_EXISTS' });
    await expect(createTenant(db, { tenantId: ' ' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect((await listTenants(db)).map((x) => x.id)).toEqual(['acme', 'beta']);
  });

  it('shows a key once and stores only its SHA-256', async () => {
    const db = await t.db();
    const { key, apiKey } = await createApiKey(db, { tenantId: 'acme', scopes: ['runs:read', 'proofs:read'] });
    expect(key).toMatch(/^aos_[a-z0-9]{12}_[A-Za-z0-9_-]{43}$/);
    expect(key.slice(4, 16)).toBe(apiKey.prefix);
    expect(apiKey).not.toHaveProperty('secret_sha256');
    const rows = await db.selectFrom('api_keys').selectAll().where('id', '=', apiKey.id).execute();
    expect(rows[0]?.secret_sha256).toBe(createHash('sha256').update(key).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(key.slice(17));
    expect(rows[0]?.scopes).toEqual(['runs:read', 'proofs:read']);
    expect((await createApiKey(db, { tenantId: 'acme' })).apiKey.scopes).toEqual([
      'runs:write',
      'runs:read',
      'proofs:read',
      'secrets:write',
    ]);
  });

  it('refuses a key of an unknown tenant and an unknown scope, writing nothing', async () => {
    const db = await t.db();
    const before = (await listApiKeys(db)).length;
    await expect(createApiKey(db, { tenantId: 'nobody' })).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
    await expect(createApiKey(db, { tenantId: 'acme', scopes: ['admin'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    expect(await listApiKeys(db)).toHaveLength(before);
  });

  it('authenticates a valid key to its tenant and scopes, and keeps last_used_at', async () => {
    const db = await t.db();
    const { key, apiKey } = await createApiKey(db, { tenantId: 'beta', scopes: ['runs:write'] });
    const principal = await authenticateApiKey(db, key, 'runs:write');
    expect(principal).toEqual({ tenantId: 'beta', keyId: apiKey.id, prefix: apiKey.prefix, scopes: ['runs:write'] });
    const [listed] = await listApiKeys(db, { tenantId: 'beta' });
    expect(listed?.last_used_at).toBeInstanceOf(Date);
  });

  it('refuses missing, malformed, unknown, altered and revoked keys alike: UNAUTHENTICATED', async () => {
    const db = await t.db();
    const { key, apiKey } = await createApiKey(db, { tenantId: 'acme' });
    const altered = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    const unknown = `aos_${'z'.repeat(12)}_${key.slice(17)}`;
    for (const presented of [undefined, '', 'Bearer x', `${key}\u0000`, altered, unknown]) {
      await expect(authenticateApiKey(db, presented)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    await authenticateApiKey(db, key);
    await revokeApiKey(db, apiKey.id);
    await expect(authenticateApiKey(db, key)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      message: 'missing, invalid or revoked API key',
    });
    // Revoking again changes nothing; an unknown id is API_KEY_NOT_FOUND.
    expect((await revokeApiKey(db, apiKey.id)).revoked_at).toBeInstanceOf(Date);
    await expect(revokeApiKey(db, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'API_KEY_NOT_FOUND',
    });
  });

  it('refuses a key without the scope, and every key of a suspended tenant: FORBIDDEN', async () => {
    const db = await t.db();
    const { key } = await createApiKey(db, { tenantId: 'acme', scopes: ['runs:read'] });
    await expect(authenticateApiKey(db, key, 'secrets:write')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await setTenantStatus(db, 'acme', 'suspended');
    await expect(authenticateApiKey(db, key, 'runs:read')).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining('suspended') as unknown,
    });
    await setTenantStatus(db, 'acme', 'active');
    expect((await authenticateApiKey(db, key, 'runs:read')).tenantId).toBe('acme');
    await expect(setTenantStatus(db, 'nobody', 'active')).rejects.toMatchObject({ code: 'TENANT_NOT_FOUND' });
  });

  it('the database refuses to delete a key, change its tenant, hash or scopes, or un-revoke it', async () => {
    const db = await t.db();
    const { apiKey } = await createApiKey(db, { tenantId: 'acme', scopes: ['runs:read'] });
    const attacks = [
      sql`DELETE FROM api_keys WHERE id = ${apiKey.id}`,
      sql`UPDATE api_keys SET tenant_id = 'beta' WHERE id = ${apiKey.id}`,
      sql`UPDATE api_keys SET secret_sha256 = ${'0'.repeat(64)} WHERE id = ${apiKey.id}`,
      sql`UPDATE api_keys SET scopes = ARRAY['runs:write','secrets:write'] WHERE id = ${apiKey.id}`,
      sql`TRUNCATE api_keys CASCADE`,
    ];
    for (const attack of attacks) await expect(attack.execute(db)).rejects.toThrow(/api[ _]keys?/);
    await revokeApiKey(db, apiKey.id);
    await expect(sql`UPDATE api_keys SET revoked_at = NULL WHERE id = ${apiKey.id}`.execute(db)).rejects.toThrow(
      /revoked for good/,
    );
  });
});
