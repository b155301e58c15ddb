import { describe, expect, it } from 'vitest';
import { createSkillContext } from '@aos/testkit';
import {
  AosError,
  createSkillRegistry,
  DEFAULT_SKILLS,
  defineSkill,
  echoSkill,
  SKILL_NAMES,
  SkillError,
  type AnySkill,
} from '../src/testing';

const VALID_PARAMS: Record<string, Record<string, unknown>> = {
  http_call: { url: 'https://example.com/x', method: 'GET' },
  json_transform: { payload: 'a string payload', mapping: { a: '$' } },
  echo: { message: 'hi' },
  llm_invoke: { prompt: 'hello' },
  voyage_embed: { input: 'text' },
  postgres_query: { sql: 'SELECT 1' },
  kv_store: { key: 'k', op: 'get' },
  webhook_send: { url: 'https://example.com/hook', payload: {} },
  slack_send: { text: 'hello' },
  email_send: { subject: 'hello', to: 'a@example.com', text: 't' },
  calendar_write: { summary: 'meet', start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' },
  __sdsr_fail_trigger__: { message: 'drill', error_class: 'none' },
};

describe('skill registry', () => {
  const registry = createSkillRegistry();

  it('lists the twelve skills in the order docs/skills.md lists them', () => {
    expect(registry.list().map((skill) => skill.name)).toEqual([
      'http_call',
      'json_transform',
      'echo',
      'llm_invoke',
      'voyage_embed',
      'postgres_query',
      'kv_store',
      'webhook_send',
      'slack_send',
      'email_send',
      'calendar_write',
      '__sdsr_fail_trigger__',
    ]);
    expect(SKILL_NAMES).toEqual(registry.list().map((skill) => skill.name));
  });

  it('finds skills by name and refuses unknown ones with SKILL_NOT_FOUND', () => {
    expect(registry.get('echo')).toBe(echoSkill);
    expect(registry.get('nope')).toBeUndefined();
    expect(() => registry.require('nope')).toThrow(AosError);
    try {
      registry.require('nope');
    } catch (error) {
      expect((error as AosError).code).toBe('SKILL_NOT_FOUND');
      expect((error as AosError).message).toMatch(/unknown skill "nope"/);
    }
  });

  it('refuses duplicate names', () => {
    expect(() => createSkillRegistry([echoSkill, echoSkill])).toThrow('skill "echo" is registered twice');
  });

  it('accepts custom skills', async () => {
    const custom = defineSkill({
      ...echoSkill,
      name: 'shout',
      execute: (input: { message: string }) =>
        Promise.resolve({ output: { message: input.message.toUpperCase() }, costCents: 0, outcomeCode: 'OK' }),
    });
    const own = createSkillRegistry([custom as AnySkill]);
    const result = await own.require('shout').execute({ message: 'hi' }, createSkillContext());
    expect(result.output).toEqual({ message: 'HI' });
  });

  it('publishes a manifest with a JSON Schema per skill', () => {
    const manifest = registry.manifest();
    expect(manifest.map((entry) => entry.name)).toEqual([...SKILL_NAMES]);
    for (const entry of manifest) {
      expect(entry.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(entry.description.length).toBeGreaterThan(20);
      const schema = entry.inputSchema;
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      const branches = (schema.oneOf as Record<string, unknown>[] | undefined) ?? [schema];
      for (const branch of branches) {
        expect(branch.type).toBe('object');
        expect(branch.additionalProperties).toBe(false);
      }
    }
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    const http = manifest.find((entry) => entry.name === 'http_call');
    expect(http?.inputSchema).toMatchObject({
      required: ['url'],
      properties: { method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], default: 'GET' } },
    });
    expect(manifest.find((entry) => entry.name === 'echo')).toMatchObject({
      deterministic: true,
      sideEffects: false,
      network: false,
    });
  });

  it('refuses NUL characters anywhere in params, naming where', () => {
    const http = registry.require('http_call');
    const nested = http.inputSchema.safeParse({
      url: 'https://example.com',
      method: 'POST',
      body: { a: ['ok', 'b\u0000d'] },
    });
    expect(nested.success).toBe(false);
    expect(nested.error?.issues[0]?.message).toBe(
      'body.a[1] contains a NUL character (\\u0000), which params may not contain',
    );
    const key = registry
      .require('json_transform')
      .inputSchema.safeParse({ payload: { 'k\u0000': 1 }, mapping: { a: 'k' } });
    expect(key.success).toBe(false);
  });

  it.each(Object.entries(VALID_PARAMS))(
    '%s accepts valid params and refuses them with a NUL inside',
    (name, params) => {
      const skill = registry.require(name);
      expect(skill.inputSchema.safeParse(params).success).toBe(true);
      const [field, value] = Object.entries(params).find(([, v]) => typeof v === 'string') as [string, string];
      const parsed = skill.inputSchema.safeParse({ ...params, [field]: `${value}\u0000` });
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((issue) => issue.message)).toContain(
        `${field} contains a NUL character (\\u0000), which params may not contain`,
      );
    },
  );

  it('has valid sample params for every built-in skill', () => {
    expect(Object.keys(VALID_PARAMS)).toEqual(DEFAULT_SKILLS.map((skill) => skill.name));
  });

  it('estimates zero for free skills', () => {
    const echo = registry.require('echo');
    expect(echo.estimateCostCents(echo.inputSchema.parse({ message: 'x' }))).toBe(0);
  });
});

describe('unconfigured backends', () => {
  const cases: [string, unknown, string][] = [
    ['llm_invoke', { prompt: 'x' }, 'AOS_LLM_BASE_URL'],
    ['voyage_embed', { input: 'x' }, 'AOS_VOYAGE_API_KEY'],
    ['postgres_query', { sql: 'SELECT 1' }, 'AOS_QUERY_DATABASE_URL'],
    ['webhook_send', { url: 'https://example.com/hook', payload: {} }, 'AOS_WEBHOOK_SECRET'],
    ['slack_send', { text: 'x' }, 'AOS_SLACK_WEBHOOK_URL'],
    ['email_send', { to: 'a@example.com', subject: 's', text: 't' }, 'AOS_SMTP_URL'],
    ['calendar_write', { summary: 's', start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' }, 'AOS_CALDAV_URL'],
  ];

  it.each(cases)('%s fails non-retryably naming %s', async (name, input, setting) => {
    const skill = createSkillRegistry().require(name);
    const error = await skill
      .execute(skill.inputSchema.parse(input), createSkillContext({ env: {} }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SkillError);
    expect(error).toMatchObject({
      category: 'not_configured',
      retryable: false,
      code: 'SKILL_NOT_CONFIGURED',
      outcomeCode: 'NOT_CONFIGURED',
    });
    expect((error as SkillError).message).toContain(setting);
  });
});
