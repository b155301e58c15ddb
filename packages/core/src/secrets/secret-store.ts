import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, JsonValue } from '../db/schema';
import { AosError, InvalidInputError } from '../errors';
import { findSecretReferences } from '../planner/plan-templates';
import { parseInput, tenantIdSchema } from '../validation';
import { loadDataKey } from './data-key';
import { openSecret, sealSecret } from './secret-cipher';
import { MAX_SECRET_VALUE_BYTES, secretNameSchema } from './secret-references';

export { MAX_SECRET_VALUE_BYTES };

/** A secret as listed: its name and dates, never its value. */
export interface SecretSummary {
  readonly name: string;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** Result of {@link setSecret}: `created` is false when an existing value was replaced. */
export interface SetSecretResult {
  readonly secret: SecretSummary;
  readonly created: boolean;
}

/** Where the data key comes from: `AOS_DATA_KEY`, else `data.key` under `home` (default AOS_HOME). */
export interface SecretKeyOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home?: string | undefined;
}

const SetSecretInputSchema = z.object({ tenantId: tenantIdSchema, name: secretNameSchema });

/** Validates a value without ever putting it in a message. */
function checkValue(value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new InvalidInputError('value: must not be empty', { field: 'value' });
  if (value.includes('\u0000')) {
    throw new InvalidInputError('value: must not contain NUL characters', { field: 'value' });
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_SECRET_VALUE_BYTES) {
    throw new InvalidInputError(`value: must be at most ${MAX_SECRET_VALUE_BYTES} bytes, got ${bytes}`, {
      field: 'value',
    });
  }
  return value;
}

/**
 * Stores (or replaces) a tenant's secret, encrypted with AES-256-GCM under the data key
 * (`AOS_DATA_KEY`, or `data.key` under AOS_HOME, created with mode 0600 if neither exists).
 * The value is 1..64 KiB of text without NUL; no message ever contains it.
 *
 * @example
 * ```ts
 * const { created } = await setSecret(db, { tenantId: 'acme', name: 'API_TOKEN', value: token }, { env: process.env });
 * ```
 */
export async function setSecret(
  db: Kysely<Database>,
  input: { readonly tenantId: string; readonly name: string; readonly value: string },
  options: SecretKeyOptions,
): Promise<SetSecretResult> {
  const { tenantId, name } = parseInput(SetSecretInputSchema, { tenantId: input.tenantId, name: input.name }, 'secret');
  const value = checkValue(input.value);
  const dataKey = await loadDataKey({ env: options.env, home: options.home, create: true });
  if (dataKey === null) throw new AosError('DATA_KEY_UNAVAILABLE', 'no data key could be loaded or created');
  const sealed = sealSecret(dataKey, tenantId, name, value);
  const row = await db
    .insertInto('tenant_secrets')
    .values({
      tenant_id: tenantId,
      name,
      ciphertext: sealed.ciphertext,
      iv: sealed.iv,
      auth_tag: sealed.authTag,
      key_id: sealed.keyId,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'name']).doUpdateSet((eb) => ({
        ciphertext: eb.ref('excluded.ciphertext'),
        iv: eb.ref('excluded.iv'),
        auth_tag: eb.ref('excluded.auth_tag'),
        key_id: eb.ref('excluded.key_id'),
        updated_at: sql<Date>`now()`,
      })),
    )
    // xmax is 0 for a row this statement inserted, and set for one it updated.
    .returning(['name', 'created_at', 'updated_at', sql<boolean>`xmax = 0`.as('inserted')])
    .executeTakeFirstOrThrow();
  return { secret: { name: row.name, created_at: row.created_at, updated_at: row.updated_at }, created: row.inserted };
}

/**
 * A tenant's secrets by name: names and dates only. Needs no data key.
 *
 * @example
 * ```ts
 * for (const s of await listSecrets(db, 'acme')) console.log(s.name, s.updated_at)
 * ```
 */
export async function listSecrets(db: Kysely<Database>, tenantId: string): Promise<SecretSummary[]> {
  const tenant = parseInput(tenantIdSchema, tenantId, 'tenant_id');
  return (
    db
      .selectFrom('tenant_secrets')
      .select(['name', 'created_at', 'updated_at'])
      .where('tenant_id', '=', tenant)
      // Byte order: the same on every server, whatever its default collation.
      .orderBy(sql`name COLLATE "C"`)
      .execute()
  );
}

/**
 * Deletes a tenant's secret and returns what it was (name and dates). Throws an AosError
 * `SECRET_NOT_FOUND` when the tenant has no secret of that name. Needs no data key.
 *
 * @example
 * ```ts
 * await deleteSecret(db, 'acme', 'API_TOKEN')
 * ```
 */
export async function deleteSecret(db: Kysely<Database>, tenantId: string, name: string): Promise<SecretSummary> {
  const parsed = parseInput(SetSecretInputSchema, { tenantId, name }, 'secret');
  // A definer function: aos_app may not DELETE (migration 0007).
  const deleted = await sql<SecretSummary>`
    SELECT name, created_at, updated_at FROM aos_secret_delete(${parsed.tenantId}, ${parsed.name})`.execute(db);
  const row = deleted.rows[0];
  if (row === undefined) throw new AosError('SECRET_NOT_FOUND', `secret ${parsed.name} not found`);
  return row;
}

/**
 * The values of the tenant's secrets among `names` (name → value); names the tenant has no
 * secret for are absent. Loads the data key only when there is something to decrypt, and never
 * creates one. Throws `SECRET_UNREADABLE` for a value that does not decrypt (another data key,
 * altered, or moved from another tenant or name), `DATA_KEY_UNAVAILABLE` when there is no key.
 *
 * @example
 * ```ts
 * const values = await resolveSecrets(db, 'acme', ['API_TOKEN'], { env: process.env });
 * ```
 */
export async function resolveSecrets(
  db: Kysely<Database>,
  tenantId: string,
  names: readonly string[],
  options: SecretKeyOptions,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  if (names.length === 0) return values;
  const rows = await db
    .selectFrom('tenant_secrets')
    .select(['name', 'ciphertext', 'iv', 'auth_tag', 'key_id'])
    .where('tenant_id', '=', tenantId)
    .where('name', 'in', [...new Set(names)])
    .execute();
  if (rows.length === 0) return values;
  const dataKey = await loadDataKey({ env: options.env, home: options.home, create: false });
  if (dataKey === null) {
    throw new AosError(
      'DATA_KEY_UNAVAILABLE',
      `cannot decrypt secret ${rows[0]?.name ?? ''}: no data key (AOS_DATA_KEY is not set and there is no ` +
        `data.key under AOS_HOME)`,
    );
  }
  for (const row of rows) {
    const sealed = { ciphertext: row.ciphertext, iv: row.iv, authTag: row.auth_tag, keyId: row.key_id };
    values.set(row.name, openSecret(dataKey, tenantId, row.name, sealed));
  }
  return values;
}

/**
 * The secrets a step's params reference as `{{secrets.NAME}}`, resolved for the tenant (see
 * {@link resolveSecrets}); an empty map, without a query, when there are none. A missing
 * secret is reported by `resolveTemplates`, which names the field it is used in.
 */
export async function resolveParamSecrets(
  db: Kysely<Database>,
  tenantId: string,
  params: { readonly [key: string]: JsonValue },
  options: SecretKeyOptions,
): Promise<ReadonlyMap<string, string>> {
  const names = findSecretReferences(params).map((reference) => reference.name);
  return resolveSecrets(db, tenantId, names, options);
}
