import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import { z } from 'zod';
import { API_KEY_SCOPES, type ApiKeyScope, type ApiKeysTable, type Database } from '../db/schema';
import { AosError } from '../errors';
import { labelSchema, parseInput, tenantIdSchema, uuidSchema } from '../validation';
import { getTenant } from './tenant-store';

/** An API key as lists show it: its prefix, never its secret or hash. */
export type ApiKeySummary = Omit<Selectable<ApiKeysTable>, 'secret_sha256'>;

/** A key just created: the only time its secret exists outside the caller's hands. */
export interface CreatedApiKey {
  readonly apiKey: ApiKeySummary;
  /** `aos_<prefix>_<secret>`: shown once, stored only as its SHA-256. */
  readonly key: string;
}

/** Who a valid key speaks for. */
export interface ApiKeyPrincipal {
  readonly tenantId: string;
  readonly keyId: string;
  readonly prefix: string;
  readonly scopes: readonly ApiKeyScope[];
}

// `aos_` + 12 lowercase base-36 characters (the lookup prefix) + `_` + 32 random bytes, base64url.
const KEY_PATTERN = /^aos_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
// A key used within this long is not written again: authenticating stays a read.
const LAST_USED_RESOLUTION = '1 minute';

const CreateApiKeyInputSchema = z.strictObject({
  tenantId: tenantIdSchema,
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'name at least one scope').optional(),
  name: labelSchema(200).optional(),
});

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function randomPrefix(): string {
  // 12 characters of a 36-letter alphabet from bytes < 252 (= 7 × 36), so every letter is equally likely.
  let prefix = '';
  while (prefix.length < 12) {
    for (const byte of randomBytes(16)) {
      if (byte < 252 && prefix.length < 12) prefix += PREFIX_ALPHABET[byte % 36];
    }
  }
  return prefix;
}

const SUMMARY_COLUMNS = [
  'id',
  'tenant_id',
  'prefix',
  'scopes',
  'name',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

/**
 * Creates an API key for an existing tenant (every scope unless `scopes` narrows it) and returns
 * its secret once; only the key's SHA-256 is stored.
 *
 * @example
 * ```ts
 * const { key } = await createApiKey(db, { tenantId: 'acme', scopes: ['runs:read', 'proofs:read'] })
 * ```
 */
export async function createApiKey(
  db: Kysely<Database>,
  input: { readonly tenantId: string; readonly scopes?: readonly string[] | undefined; readonly name?: string },
): Promise<CreatedApiKey> {
  const parsed = parseInput(CreateApiKeyInputSchema, input, 'api_key');
  await getTenant(db, parsed.tenantId);
  const scopes = [...new Set(parsed.scopes ?? API_KEY_SCOPES)];
  const prefix = randomPrefix();
  const key = `aos_${prefix}_${randomBytes(32).toString('base64url')}`;
  const apiKey = await db
    .insertInto('api_keys')
    .values({
      tenant_id: parsed.tenantId,
      prefix,
      secret_sha256: sha256(key),
      // A text[] written the same way by both drivers.
      scopes: sql<ApiKeyScope[]>`string_to_array(${scopes.join(',')}, ',')`,
      name: parsed.name ?? '',
      last_used_at: null,
      revoked_at: null,
    })
    .returning(SUMMARY_COLUMNS)
    .executeTakeFirstOrThrow();
  return { apiKey, key };
}

/** The keys of one tenant, or of every tenant, oldest first. */
export function listApiKeys(
  db: Kysely<Database>,
  query: { readonly tenantId?: string | undefined } = {},
): Promise<ApiKeySummary[]> {
  let select = db.selectFrom('api_keys').select(SUMMARY_COLUMNS).orderBy('created_at').orderBy('id');
  if (query.tenantId !== undefined) {
    select = select.where('tenant_id', '=', parseInput(tenantIdSchema, query.tenantId, 'tenant_id'));
  }
  return select.execute();
}

/** Revokes a key for good; API_KEY_NOT_FOUND when there is no key of that id. Revoking twice is a no-op. */
export async function revokeApiKey(db: Kysely<Database>, keyId: string): Promise<ApiKeySummary> {
  const id = parseInput(uuidSchema, keyId, 'key_id');
  const revoked = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .returning(SUMMARY_COLUMNS)
    .executeTakeFirst();
  if (revoked) return revoked;
  const existing = await db.selectFrom('api_keys').select(SUMMARY_COLUMNS).where('id', '=', id).executeTakeFirst();
  if (!existing) throw new AosError('API_KEY_NOT_FOUND', `no API key ${id}; see int-cli api-keys list`);
  return existing;
}

/**
 * Checks a presented key: UNAUTHENTICATED when it is missing, malformed, unknown or revoked (one
 * message for all, so a caller learns nothing about which); FORBIDDEN when the tenant is
 * suspended or the key lacks `scope`. Keeps `last_used_at` to the minute.
 *
 * @example
 * ```ts
 * const { tenantId } = await authenticateApiKey(db, bearer, 'runs:write')
 * ```
 */
export async function authenticateApiKey(
  db: Kysely<Database>,
  presented: string | undefined,
  scope?: ApiKeyScope,
): Promise<ApiKeyPrincipal> {
  const refused = new AosError('UNAUTHENTICATED', 'missing, invalid or revoked API key');
  const match = KEY_PATTERN.exec(presented ?? '');
  if (!match || presented === undefined) throw refused;
  const row = await db
    .selectFrom('api_keys')
    .innerJoin('tenants', 'tenants.id', 'api_keys.tenant_id')
    .select([
      'api_keys.id',
      'api_keys.tenant_id',
      'api_keys.prefix',
      'api_keys.secret_sha256',
      'api_keys.scopes',
      'api_keys.revoked_at',
      'tenants.status as tenant_status',
    ])
    .where('api_keys.prefix', '=', match[1]!)
    .executeTakeFirst();
  const expected = Buffer.from(row?.secret_sha256 ?? '0'.repeat(64), 'hex');
  const actual = Buffer.from(sha256(presented), 'hex');
  if (!row || !timingSafeEqual(expected, actual) || row.revoked_at !== null) throw refused;
  if (row.tenant_status !== 'active') {
    throw new AosError('FORBIDDEN', `tenant ${row.tenant_id} is suspended; ask the operator to resume it`);
  }
  if (scope !== undefined && !row.scopes.includes(scope)) {
    throw new AosError('FORBIDDEN', `this API key lacks the ${scope} scope (it has ${row.scopes.join(', ')})`);
  }
  await db
    .updateTable('api_keys')
    .set({ last_used_at: new Date() })
    .where('id', '=', row.id)
    .where((eb) =>
      eb.or([
        eb('last_used_at', 'is', null),
        eb('last_used_at', '<', sql<Date>`now() - ${LAST_USED_RESOLUTION}::interval`),
      ]),
    )
    .execute();
  return { tenantId: row.tenant_id, keyId: row.id, prefix: row.prefix, scopes: row.scopes };
}
