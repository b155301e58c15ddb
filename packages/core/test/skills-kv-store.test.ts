import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createSkillContext, describeEachDriver } from '@aos/testkit';
import { kvStoreSkill, SkillError } from '../src/skills/index';

describeEachDriver('kv_store', (t) => {
  const tenant = () => `tenant-${randomUUID()}`;
  const kv = async (tenantId: string, input: unknown) =>
    kvStoreSkill.execute(kvStoreSkill.inputSchema.parse(input), createSkillContext({ db: await t.db(), tenantId }));
  const out = async (tenantId: string, input: unknown) => (await kv(tenantId, input)).output;

  it('sets and gets JSON values, stored as jsonb', async () => {
    const a = tenant();
    expect(await out(a, { op: 'set', key: 'profile', value: { name: 'Ada', tags: ['x'], n: 1.5 } })).toEqual({
      key: 'profile',
      stored: true,
      expires_at: null,
    });
    const got = await kv(a, { op: 'get', key: 'profile' });
    expect(got.output).toEqual({ key: 'profile', found: true, value: { name: 'Ada', tags: ['x'], n: 1.5 } });
    expect(got.outcomeCode).toBe('FOUND');
    const row = await (
      await t.db()
    )
      .selectFrom('kv_entries')
      .select(sql<string>`jsonb_typeof(value)`.as('type'))
      .where('tenant_id', '=', a)
      .where('key', '=', 'profile')
      .executeTakeFirstOrThrow();
    expect(row.type).toBe('object');
  });

  it('keeps tenants apart', async () => {
    const a = tenant();
    const b = tenant();
    await out(a, { op: 'set', key: 'k', value: 'a' });
    expect(await out(b, { op: 'get', key: 'k' })).toEqual({ key: 'k', found: false, value: null });
    expect(await out(b, { op: 'exists', key: 'k' })).toEqual({ key: 'k', exists: false });
  });

  it('increments and decrements atomically, starting from 0', async () => {
    const a = tenant();
    expect(await out(a, { op: 'incr', key: 'n' })).toEqual({ key: 'n', value: 1 });
    expect(await out(a, { op: 'incr', key: 'n', by: 5 })).toEqual({ key: 'n', value: 6 });
    expect(await out(a, { op: 'decr', key: 'n', by: 2 })).toEqual({ key: 'n', value: 4 });
    await Promise.all(Array.from({ length: 20 }, () => kv(a, { op: 'incr', key: 'n' })));
    expect(await out(a, { op: 'get', key: 'n' })).toMatchObject({ value: 24 });
  });

  it('refuses to increment a value that is not a number', async () => {
    const a = tenant();
    await out(a, { op: 'set', key: 's', value: 'text' });
    const error = await kv(a, { op: 'incr', key: 's' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkillError);
    expect(error).toMatchObject({ category: 'validation', retryable: false, outcomeCode: 'KV_NOT_A_NUMBER' });
    expect(await out(a, { op: 'get', key: 's' })).toMatchObject({ value: 'text' });
  });

  it('reports the remaining ttl', async () => {
    const a = tenant();
    await out(a, { op: 'set', key: 't', value: 1, ttl_seconds: 100 });
    const ttl = await out(a, { op: 'ttl', key: 't' });
    expect(ttl.exists).toBe(true);
    expect(ttl.ttl_seconds).toBeGreaterThanOrEqual(99);
    expect(ttl.ttl_seconds).toBeLessThanOrEqual(100);
    await out(a, { op: 'set', key: 'forever', value: 1 });
    expect(await out(a, { op: 'ttl', key: 'forever' })).toEqual({
      key: 'forever',
      exists: true,
      ttl_seconds: null,
      expires_at: null,
    });
    expect(await out(a, { op: 'ttl', key: 'absent' })).toEqual({
      key: 'absent',
      exists: false,
      ttl_seconds: null,
      expires_at: null,
    });
  });

  it('treats entries expired with `expire` as absent everywhere', async () => {
    const a = tenant();
    await out(a, { op: 'set', key: 'e', value: 41 });
    expect(await out(a, { op: 'expire', key: 'e', ttl_seconds: 0 })).toMatchObject({ key: 'e', updated: true });
    expect(await out(a, { op: 'get', key: 'e' })).toEqual({ key: 'e', found: false, value: null });
    expect(await out(a, { op: 'exists', key: 'e' })).toEqual({ key: 'e', exists: false });
    expect(await out(a, { op: 'expire', key: 'e', ttl_seconds: 10 })).toEqual({
      key: 'e',
      updated: false,
      expires_at: null,
    });
    expect(await out(a, { op: 'delete', key: 'e' })).toEqual({ key: 'e', deleted: false });
    // An expired counter starts again from the delta, not from its dead value.
    await out(a, { op: 'set', key: 'c', value: 41 });
    await out(a, { op: 'expire', key: 'c', ttl_seconds: 0 });
    expect(await out(a, { op: 'incr', key: 'c' })).toEqual({ key: 'c', value: 1 });
  });

  it('expires a short ttl on its own', async () => {
    const a = tenant();
    await out(a, { op: 'set', key: 'short', value: 'x', ttl_seconds: 1 });
    expect(await out(a, { op: 'exists', key: 'short' })).toMatchObject({ exists: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await out(a, { op: 'get', key: 'short' })).toMatchObject({ found: false });
  });

  it('clears the expiry on a set without ttl and deletes', async () => {
    const a = tenant();
    await out(a, { op: 'set', key: 'k', value: 1, ttl_seconds: 50 });
    await out(a, { op: 'set', key: 'k', value: 2 });
    expect(await out(a, { op: 'ttl', key: 'k' })).toMatchObject({ ttl_seconds: null });
    expect(await out(a, { op: 'delete', key: 'k' })).toEqual({ key: 'k', deleted: true });
    expect(await out(a, { op: 'delete', key: 'k' })).toEqual({ key: 'k', deleted: false });
  });
});

describe('kv_store params', () => {
  it('needs value for set and refuses fields of other ops', () => {
    expect(() => kvStoreSkill.inputSchema.parse({ op: 'set', key: 'k' })).toThrow();
    expect(() => kvStoreSkill.inputSchema.parse({ op: 'get', key: 'k', value: 1 })).toThrow(/Unrecognized key/);
    expect(() => kvStoreSkill.inputSchema.parse({ op: 'pop', key: 'k' })).toThrow();
    expect(() => kvStoreSkill.inputSchema.parse({ op: 'get', key: 'a\u0000b' })).toThrow(/NUL/);
  });
});
