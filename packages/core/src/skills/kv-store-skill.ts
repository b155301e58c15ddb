import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, JsonValue } from '../db/schema';
import { boundedJson, boundedString, rejectNulCharacters } from './skill-schema';
import { defineSkill, SkillError } from './skill-types';

/** Operations of kv_store. */
export const KV_OPS = ['get', 'set', 'delete', 'exists', 'ttl', 'incr', 'decr', 'expire'] as const;
export type KvOp = (typeof KV_OPS)[number];

const MAX_TTL_SECONDS = 366 * 24 * 3600;
const key = boundedString(512);
const ttl = z.number().int().min(1).max(MAX_TTL_SECONDS);
const by = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

const kvStoreInput = z
  .discriminatedUnion('op', [
    z.object({ op: z.literal('get'), key }).strict(),
    z.object({ op: z.literal('set'), key, value: boundedJson(256 * 1024), ttl_seconds: ttl.optional() }).strict(),
    z.object({ op: z.literal('delete'), key }).strict(),
    z.object({ op: z.literal('exists'), key }).strict(),
    z.object({ op: z.literal('ttl'), key }).strict(),
    z.object({ op: z.literal('incr'), key, by: by.optional() }).strict(),
    z.object({ op: z.literal('decr'), key, by: by.optional() }).strict(),
    // 0 expires the entry at once.
    z.object({ op: z.literal('expire'), key, ttl_seconds: z.number().int().min(0).max(MAX_TTL_SECONDS) }).strict(),
  ])
  .superRefine(rejectNulCharacters);

/** Params of kv_store. */
export type KvStoreInput = z.infer<typeof kvStoreInput>;

function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

async function runOp(
  db: Kysely<Database>,
  tenantId: string,
  input: KvStoreInput,
): Promise<{ [key: string]: JsonValue }> {
  // Loaded here, not at the top: the registry (and `list-skills`) must not pay for kysely.
  // By the time a step runs, the store has loaded it already.
  const { sql } = await import('kysely');
  // An entry whose expires_at has passed is absent for every operation, whether or not its row
  // is still there; the database clock decides, so all processes agree.
  const live = sql<boolean>`(expires_at IS NULL OR expires_at > now())`;
  const expiresIn = (seconds: number) => sql<Date>`now() + make_interval(secs => ${seconds})`;
  const entries = db
    .selectFrom('kv_entries')
    .where('tenant_id', '=', tenantId)
    .where('key', '=', input.key)
    .where(live);
  switch (input.op) {
    case 'get': {
      const row = await entries.select('value').executeTakeFirst();
      return { key: input.key, found: row !== undefined, value: row?.value ?? null };
    }
    case 'exists': {
      const row = await entries.select(sql<number>`1`.as('one')).executeTakeFirst();
      return { key: input.key, exists: row !== undefined };
    }
    case 'ttl': {
      const row = await entries
        .select([
          'expires_at',
          sql<number | null>`ceil(extract(epoch from (expires_at - now())))::int4`.as('remaining'),
        ])
        .executeTakeFirst();
      return {
        key: input.key,
        exists: row !== undefined,
        ttl_seconds: row?.remaining ?? null,
        expires_at: iso(row?.expires_at),
      };
    }
    case 'set': {
      // Bounded clean-up of this tenant's dead rows, so expired keys do not pile up forever
      // (through a definer function: aos_app may not DELETE, migration 0007).
      await sql`SELECT aos_kv_purge_expired(${tenantId})`.execute(db);
      const row = await db
        .insertInto('kv_entries')
        .values({
          tenant_id: tenantId,
          key: input.key,
          value: JSON.stringify(input.value),
          expires_at: input.ttl_seconds === undefined ? null : expiresIn(input.ttl_seconds),
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'key']).doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            expires_at: eb.ref('excluded.expires_at'),
            updated_at: sql<Date>`now()`,
          })),
        )
        .returning('expires_at')
        .executeTakeFirstOrThrow();
      return { key: input.key, stored: true, expires_at: iso(row.expires_at) };
    }
    case 'delete': {
      const row = await sql<{ was_live: boolean }>`SELECT aos_kv_delete(${tenantId}, ${input.key}) AS was_live`.execute(
        db,
      );
      return { key: input.key, deleted: row.rows[0]?.was_live === true };
    }
    case 'expire': {
      const row = await db
        .updateTable('kv_entries')
        .set({ expires_at: expiresIn(input.ttl_seconds), updated_at: sql<Date>`now()` })
        .where('tenant_id', '=', tenantId)
        .where('key', '=', input.key)
        .where(live)
        .returning('expires_at')
        .executeTakeFirst();
      return { key: input.key, updated: row !== undefined, expires_at: iso(row?.expires_at) };
    }
    case 'incr':
    case 'decr': {
      const delta = (input.by ?? 1) * (input.op === 'incr' ? 1 : -1);
      // One statement: concurrent increments serialise on the row, none is lost. An expired
      // entry restarts from the delta; a live non-number is left alone (no row returned).
      const result = await sql<{ value: JsonValue }>`
        INSERT INTO kv_entries AS kv (tenant_id, key, value, expires_at, updated_at)
        VALUES (${tenantId}, ${input.key}, to_jsonb(${delta}::numeric), NULL, now())
        ON CONFLICT (tenant_id, key) DO UPDATE SET
          value = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= now() THEN excluded.value
                       ELSE to_jsonb((kv.value)::numeric + ${delta}::numeric) END,
          expires_at = CASE WHEN kv.expires_at IS NOT NULL AND kv.expires_at <= now() THEN NULL ELSE kv.expires_at END,
          updated_at = now()
        WHERE (kv.expires_at IS NOT NULL AND kv.expires_at <= now()) OR jsonb_typeof(kv.value) = 'number'
        RETURNING value`.execute(db);
      const row = result.rows[0];
      if (!row) {
        throw new SkillError(
          'validation',
          `kv_store cannot ${input.op} "${input.key}": it holds a value that is not a number`,
          {
            retryable: false,
            outcomeCode: 'KV_NOT_A_NUMBER',
          },
        );
      }
      return { key: input.key, value: row.value };
    }
  }
}

const OUTCOME_CODES: Record<KvOp, (output: { [key: string]: JsonValue }) => string> = {
  get: (o) => (o.found ? 'FOUND' : 'NOT_FOUND'),
  exists: (o) => (o.exists ? 'FOUND' : 'NOT_FOUND'),
  ttl: (o) => (o.exists ? 'FOUND' : 'NOT_FOUND'),
  set: () => 'STORED',
  delete: (o) => (o.deleted ? 'DELETED' : 'NOT_FOUND'),
  expire: (o) => (o.updated ? 'UPDATED' : 'NOT_FOUND'),
  incr: () => 'UPDATED',
  decr: () => 'UPDATED',
};

/**
 * `kv_store`: durable per-tenant key/value in the AOS store (`kv_entries`). Ops: get, set
 * (optional ttl_seconds; a set without one clears the expiry), delete, exists, ttl, incr/decr
 * (atomic, `by` default 1, a missing key starts at 0), expire (ttl_seconds, 0 = now). Expired
 * entries behave as absent. Keys are scoped to the run's tenant.
 *
 * @example
 * ```ts
 * await kvStoreSkill.execute({ op: 'incr', key: 'visits' }, ctx) // output: { key: 'visits', value: 1 }
 * ```
 */
export const kvStoreSkill = defineSkill({
  name: 'kv_store',
  version: '1.0.0',
  description:
    'Durable per-tenant key/value store in the AOS database: get, set (ttl), delete, exists, ttl, incr, decr, expire.',
  inputSchema: kvStoreInput,
  deterministic: false,
  sideEffects: true,
  network: false,
  defaultTimeoutMs: 10_000,
  estimateCostCents: () => 0,
  async execute(input, ctx) {
    let output: { [key: string]: JsonValue };
    try {
      output = await runOp(ctx.db, ctx.tenantId, input);
    } catch (error) {
      if (error instanceof SkillError) throw error;
      const code = (error as { code?: string }).code;
      throw new SkillError('backend', `kv_store ${input.op} "${input.key}" failed: ${(error as Error).message}`, {
        // Serialization failures and lost connections may pass on another attempt.
        retryable: code === '40001' || code === '40P01' || (code !== undefined && code.startsWith('08')),
        outcomeCode: code ? `SQLSTATE_${code}` : 'STORE_ERROR',
        cause: error,
      });
    }
    return { output, costCents: 0, outcomeCode: OUTCOME_CODES[input.op](output) };
  },
});
