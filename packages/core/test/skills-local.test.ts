import { describe, expect, it } from 'vitest';
import { createSkillContext } from '@aos/testkit';
import { echoSkill, jsonTransformSkill, SkillError, sdsrFailTriggerSkill } from '../src/skills/index';

async function failure(promise: Promise<unknown>): Promise<SkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SkillError);
    return error as SkillError;
  }
  throw new Error('expected the skill to fail');
}

describe('echo', () => {
  it('returns its message, free and deterministic', async () => {
    const result = await echoSkill.execute(
      echoSkill.inputSchema.parse({ message: 'héllo {{s1.body}}' }),
      createSkillContext(),
    );
    expect(result).toEqual({ output: { message: 'héllo {{s1.body}}' }, costCents: 0, outcomeCode: 'OK' });
    expect(echoSkill.deterministic).toBe(true);
  });

  it('refuses unknown params and NUL characters', () => {
    expect(() => echoSkill.inputSchema.parse({ message: 'x', extra: 1 })).toThrow(/Unrecognized key/);
    const parsed = echoSkill.inputSchema.safeParse({ message: 'a\u0000b' });
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['message'],
        message: 'message contains a NUL character (\\u0000), which params may not contain',
      }),
    ]);
  });
});

describe('json_transform', () => {
  const payload = { user: { name: 'Ada', roles: ['admin', 'dev'], manager: null }, items: [{ id: 7, price: 9.5 }] };
  const run = (input: unknown) =>
    jsonTransformSkill.execute(jsonTransformSkill.inputSchema.parse(input), createSkillContext());

  it('maps paths into a result object', async () => {
    const result = await run({
      payload,
      mapping: {
        name: 'user.name',
        first_role: 'user.roles[0]',
        price: 'items[0].price',
        whole: '$.items',
        manager: 'user.manager',
      },
    });
    expect(result.output).toEqual({
      result: { first_role: 'admin', manager: null, name: 'Ada', price: 9.5, whole: [{ id: 7, price: 9.5 }] },
    });
  });

  it('uses defaults for missing paths only, null otherwise', async () => {
    const result = await run({
      payload,
      mapping: { email: 'user.email', missing: 'items[3].id', manager: 'user.manager' },
      defaults: { email: 'unknown@example.com', manager: 'nobody' },
    });
    expect(result.output.result).toEqual({ email: 'unknown@example.com', missing: null, manager: null });
  });

  it('is deterministic: same input, byte-identical output', async () => {
    const input = { payload, mapping: { z: 'user.roles', a: 'user.name', m: 'items[0]' } };
    const first = JSON.stringify((await run(input)).output);
    const second = JSON.stringify(
      (await run({ mapping: { m: 'items[0]', a: 'user.name', z: 'user.roles' }, payload })).output,
    );
    expect(second).toBe(first);
  });

  it('refuses bad path syntax before running, naming the mapping key', () => {
    const parsed = jsonTransformSkill.inputSchema.safeParse({ payload, mapping: { ok: 'a.b', bad: 'a..b' } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ['mapping', 'bad'],
        message: 'invalid path "a..b": unexpected "." at position 2',
      }),
    ]);
  });

  it('refuses defaults for keys that are not mapped and an empty mapping', () => {
    expect(() => jsonTransformSkill.inputSchema.parse({ payload, mapping: { a: 'x' }, defaults: { b: 1 } })).toThrow(
      /not an output key/,
    );
    expect(() => jsonTransformSkill.inputSchema.parse({ payload, mapping: {} })).toThrow(/at least one/);
  });
});

describe('__sdsr_fail_trigger__', () => {
  const run = (input: unknown, options: { attempt?: number; timeoutMs?: number } = {}) =>
    sdsrFailTriggerSkill.execute(sdsrFailTriggerSkill.inputSchema.parse(input), createSkillContext(options));

  it.each([
    ['retryable', 'injected', true, 'INJECTED_RETRYABLE'],
    ['non_retryable', 'injected', false, 'INJECTED_NON_RETRYABLE'],
    ['timeout', 'timeout', true, 'INJECTED_TIMEOUT'],
  ] as const)('fails with class %s', async (errorClass, category, retryable, outcomeCode) => {
    const error = await failure(run({ error_class: errorClass, message: 'drill' }));
    expect(error).toMatchObject({ category, retryable, outcomeCode, message: 'drill' });
  });

  it('succeeds for none', async () => {
    expect((await run({ error_class: 'none' })).output).toEqual({ ok: true, attempt: 1 });
  });

  it('fails while attempt <= fail_until_attempt, then succeeds', async () => {
    const input = { error_class: 'retryable', fail_until_attempt: 2 };
    await failure(run(input, { attempt: 1 }));
    await failure(run(input, { attempt: 2 }));
    expect((await run(input, { attempt: 3 })).output).toEqual({ ok: true, attempt: 3 });
  });

  it('reports its cost on success and failure, and estimates it', async () => {
    const input = sdsrFailTriggerSkill.inputSchema.parse({ error_class: 'non_retryable', cost_cents: 12.5 });
    expect(sdsrFailTriggerSkill.estimateCostCents(input)).toBe(12.5);
    expect((await failure(run(input))).costCents).toBe(12.5);
    expect((await run({ error_class: 'none', cost_cents: 3 })).costCents).toBe(3);
  });

  it('sleeps delay_ms and gives up when the attempt signal fires', async () => {
    const started = Date.now();
    expect((await run({ error_class: 'none', delay_ms: 100 })).output.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    const slow = Date.now();
    const error = await failure(run({ error_class: 'none', delay_ms: 60_000 }, { timeoutMs: 100 }));
    expect(error).toMatchObject({ category: 'timeout', retryable: true });
    expect(Date.now() - slow).toBeLessThan(2000);
  });
});
