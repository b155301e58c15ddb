import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDriver } from '@aos/testkit';
import { deleteSecret, isAosError, listSecrets, setSecret, type Database } from '@aos/core/testing';
import { resolveSecrets } from '../src/secrets/secret-store';

const keyOf = (): string => randomBytes(32).toString('base64');

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describeEachDriver('tenant secrets', (t) => {
  let db: Kysely<Database>;
  const tenant = `tenant-${randomUUID()}`;
  const other = `other-${randomUUID()}`;
  const homes: string[] = [];
  const freshHome = (): string => {
    const home = mkdtempSync(join(tmpdir(), 'aos-secrets-home-'));
    homes.push(home);
    return home;
  };
  beforeAll(async () => {
    db = await t.db();
  });
  afterAll(() => {
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  });

  it('sets, replaces, lists (names and dates only), resolves and deletes per tenant', async () => {
    const env = { AOS_DATA_KEY: keyOf() };
    const first = await setSecret(db, { tenantId: tenant, name: 'API_TOKEN', value: 'tok-1' }, { env });
    expect(first.created).toBe(true);
    expect(first.secret.name).toBe('API_TOKEN');
    const replaced = await setSecret(db, { tenantId: tenant, name: 'API_TOKEN', value: 'tok-2' }, { env });
    expect(replaced.created).toBe(false);
    expect(replaced.secret.created_at).toEqual(first.secret.created_at);
    expect(replaced.secret.updated_at.getTime()).toBeGreaterThanOrEqual(first.secret.updated_at.getTime());
    await setSecret(db, { tenantId: tenant, name: 'A_FIRST', value: 'a' }, { env });
    await setSecret(db, { tenantId: other, name: 'API_TOKEN', value: 'other-tok' }, { env });

    const listed = await listSecrets(db, tenant);
    expect(listed.map((s) => Object.keys(s).sort())).toEqual([
      ['created_at', 'name', 'updated_at'],
      ['created_at', 'name', 'updated_at'],
    ]);
    expect(listed.map((s) => s.name)).toEqual(['API_TOKEN', 'A_FIRST']);
    expect(listed[1]?.created_at).toBeInstanceOf(Date);

    const values = await resolveSecrets(db, tenant, ['API_TOKEN', 'A_FIRST', 'MISSING'], { env });
    expect(Object.fromEntries(values)).toEqual({ API_TOKEN: 'tok-2', A_FIRST: 'a' });
    expect((await resolveSecrets(db, other, ['API_TOKEN'], { env })).get('API_TOKEN')).toBe('other-tok');

    const deleted = await deleteSecret(db, tenant, 'API_TOKEN');
    expect(deleted.name).toBe('API_TOKEN');
    expect((await listSecrets(db, tenant)).map((s) => s.name)).toEqual(['A_FIRST']);
    expect((await resolveSecrets(db, tenant, ['API_TOKEN'], { env })).size).toBe(0);
    const missing = await failureOf(deleteSecret(db, tenant, 'API_TOKEN'));
    expect(isAosError(missing, 'SECRET_NOT_FOUND')).toBe(true);
    expect(missing.message).toBe('secret API_TOKEN not found');
    // Another tenant's secret of the same name is untouched.
    expect((await listSecrets(db, other)).map((s) => s.name)).toEqual(['API_TOKEN']);
  });

  it('refuses bad names and values without echoing the value', async () => {
    const env = { AOS_DATA_KEY: keyOf() };
    for (const name of ['', '1ABC', 'my-key', 'a'.repeat(65), 'secrets.X']) {
      const error = await failureOf(setSecret(db, { tenantId: tenant, name, value: 'v' }, { env }));
      expect(isAosError(error, 'INVALID_INPUT'), name).toBe(true);
      expect(error.message).toMatch(/^invalid secret\.name: /);
    }
    const empty = await failureOf(setSecret(db, { tenantId: tenant, name: 'OK', value: '' }, { env }));
    expect(empty.message).toBe('value: must not be empty');
    const nul = await failureOf(setSecret(db, { tenantId: tenant, name: 'OK', value: 'pw\u0000x' }, { env }));
    expect(nul.message).toBe('value: must not contain NUL characters');
    const big = await failureOf(setSecret(db, { tenantId: tenant, name: 'OK', value: 'x'.repeat(65537) }, { env }));
    expect(big.message).toBe('value: must be at most 65536 bytes, got 65537');
    expect((await listSecrets(db, tenant)).map((s) => s.name)).not.toContain('OK');
  });

  it('stores ciphertext only: no column of the row holds the value, in any encoding', async () => {
    const value = `plain-${randomUUID()}`;
    const env = { AOS_DATA_KEY: keyOf() };
    await setSecret(db, { tenantId: tenant, name: 'CIPHER_CHECK', value }, { env });
    const row = await sql<{ row: string }>`
      SELECT s::text AS row FROM tenant_secrets s WHERE tenant_id = ${tenant} AND name = 'CIPHER_CHECK'`.execute(db);
    const text = row.rows[0]?.row ?? '';
    expect(text).toContain('CIPHER_CHECK');
    for (const form of [value, Buffer.from(value).toString('hex'), Buffer.from(value).toString('base64')]) {
      expect(text).not.toContain(form);
    }
    const stored = await db
      .selectFrom('tenant_secrets')
      .select(['ciphertext', 'iv', 'auth_tag'])
      .where('tenant_id', '=', tenant)
      .where('name', '=', 'CIPHER_CHECK')
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.ciphertext).includes(Buffer.from(value))).toBe(false);
    expect(stored.ciphertext.length).toBe(Buffer.byteLength(value));
    expect([stored.iv.length, stored.auth_tag.length]).toEqual([12, 16]);
  });

  it('fails clearly under another data key, and when the ciphertext does not authenticate', async () => {
    const written = { AOS_DATA_KEY: keyOf() };
    await setSecret(db, { tenantId: tenant, name: 'KEYED', value: 'under-key-a' }, { env: written });
    const wrongKey = await failureOf(resolveSecrets(db, tenant, ['KEYED'], { env: { AOS_DATA_KEY: keyOf() } }));
    expect(isAosError(wrongKey, 'SECRET_UNREADABLE')).toBe(true);
    expect(wrongKey.message).toMatch(
      /^secret KEYED was stored under data key [0-9a-f]{16}, but the data key from AOS_DATA_KEY is [0-9a-f]{16}: use the data key it was stored with/,
    );
    expect(wrongKey.message).not.toContain('under-key-a');

    // A flipped ciphertext byte under the right key: GCM refuses it.
    await t.tamper((trx) =>
      sql`UPDATE tenant_secrets SET ciphertext = set_byte(ciphertext, 0, get_byte(ciphertext, 0) # 1)
          WHERE tenant_id = ${tenant} AND name = 'KEYED'`.execute(trx),
    );
    const altered = await failureOf(resolveSecrets(db, tenant, ['KEYED'], { env: written }));
    expect(isAosError(altered, 'SECRET_UNREADABLE')).toBe(true);
    expect(altered.message).toContain('secret KEYED does not decrypt for this tenant');
  });

  it('binds tenant and name: a row copied to another tenant or name does not decrypt', async () => {
    const env = { AOS_DATA_KEY: keyOf() };
    const victim = `victim-${randomUUID()}`;
    const thief = `thief-${randomUUID()}`;
    await setSecret(db, { tenantId: victim, name: 'BANK', value: 'victim-credential' }, { env });
    await sql`INSERT INTO tenant_secrets (tenant_id, name, ciphertext, iv, auth_tag, key_id)
              SELECT ${thief}, name, ciphertext, iv, auth_tag, key_id FROM tenant_secrets
              WHERE tenant_id = ${victim} AND name = 'BANK'`.execute(db);
    await sql`INSERT INTO tenant_secrets (tenant_id, name, ciphertext, iv, auth_tag, key_id)
              SELECT tenant_id, 'RENAMED', ciphertext, iv, auth_tag, key_id FROM tenant_secrets
              WHERE tenant_id = ${victim} AND name = 'BANK'`.execute(db);
    expect((await resolveSecrets(db, victim, ['BANK'], { env })).get('BANK')).toBe('victim-credential');
    for (const [tenantId, name] of [
      [thief, 'BANK'],
      [victim, 'RENAMED'],
    ] as const) {
      const error = await failureOf(resolveSecrets(db, tenantId, [name], { env }));
      expect(isAosError(error, 'SECRET_UNREADABLE')).toBe(true);
      expect(error.message).toBe(
        `secret ${name} does not decrypt for this tenant: its stored ciphertext was altered or belongs to another tenant or name; set the secret again`,
      );
    }
  });

  it('creates AOS_HOME/data.key (0600) on the first set only, never on a read path', async () => {
    const home = freshHome();
    const env = { AOS_HOME: home };
    const file = join(home, 'data.key');
    await listSecrets(db, tenant);
    await resolveSecrets(db, tenant, ['A_FIRST'], { env }).catch(() => undefined);
    await deleteSecret(db, tenant, 'NEVER_SET').catch(() => undefined);
    expect(existsSync(file)).toBe(false);
    const noKey = await failureOf(resolveSecrets(db, tenant, ['A_FIRST'], { env }));
    expect(isAosError(noKey, 'DATA_KEY_UNAVAILABLE')).toBe(true);
    expect(noKey.message).toContain('no data key (AOS_DATA_KEY is not set and there is no data.key under AOS_HOME)');
    expect(existsSync(file)).toBe(false);

    await setSecret(db, { tenantId: tenant, name: 'FILE_KEYED', value: 'from-file' }, { env });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await resolveSecrets(db, tenant, ['FILE_KEYED'], { env })).get('FILE_KEYED')).toBe('from-file');
    // AOS_DATA_KEY takes precedence over the file.
    const viaEnv = await failureOf(
      resolveSecrets(db, tenant, ['FILE_KEYED'], { env: { ...env, AOS_DATA_KEY: keyOf() } }),
    );
    expect(isAosError(viaEnv, 'SECRET_UNREADABLE')).toBe(true);
  });

  it('refuses a data key file group or others may read, saying chmod 600', async () => {
    const home = freshHome();
    const env = { AOS_HOME: home };
    await setSecret(db, { tenantId: tenant, name: 'PERMS', value: 'v' }, { env });
    const file = join(home, 'data.key');
    chmodSync(file, 0o644);
    for (const attempt of [
      () => resolveSecrets(db, tenant, ['PERMS'], { env }),
      () => setSecret(db, { tenantId: tenant, name: 'PERMS', value: 'v2' }, { env }),
    ]) {
      const error = await failureOf(attempt());
      expect(isAosError(error, 'CONFIG_INVALID')).toBe(true);
      expect(error.message).toBe(`data key file ${file} may be read by group or others (mode 0644): chmod 600 ${file}`);
    }
    chmodSync(file, 0o600);
    expect((await resolveSecrets(db, tenant, ['PERMS'], { env })).get('PERMS')).toBe('v');
  });

  it('refuses a malformed AOS_DATA_KEY or key file with a clear error and writes nothing', async () => {
    for (const [value, detail] of [
      [randomBytes(16).toString('base64'), 'got 16 bytes'],
      ['not base64 at all!', 'got text that is not base64'],
    ] as const) {
      const error = await failureOf(
        setSecret(db, { tenantId: tenant, name: 'BAD_KEY', value: 'v' }, { env: { AOS_DATA_KEY: value } }),
      );
      expect(isAosError(error, 'CONFIG_INVALID')).toBe(true);
      expect(error.message).toBe(
        `AOS_DATA_KEY must be 32 bytes in base64 (make one with: openssl rand -base64 32), ${detail}`,
      );
    }
    const home = freshHome();
    writeFileSync(join(home, 'data.key'), 'short\n', { mode: 0o600 });
    const error = await failureOf(
      setSecret(db, { tenantId: tenant, name: 'BAD_KEY', value: 'v' }, { env: { AOS_HOME: home } }),
    );
    expect(error.message).toContain(`data key file ${join(home, 'data.key')} must be 32 bytes in base64`);
    expect((await listSecrets(db, tenant)).map((s) => s.name)).not.toContain('BAD_KEY');
  });
});
