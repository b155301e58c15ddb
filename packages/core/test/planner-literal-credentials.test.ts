import { startChatPeer, type ChatPeer } from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { JsonValue } from '../src/db/schema';
import { isAosError } from '../src/errors';
import { generatePlanForRun, PlanInvalidError, validatePlan } from '../src/planner/index';
import { createSkillRegistry, type SkillEnv } from '../src/skills/index';

// docs/skills.md, "Tenant secrets in params": planning refuses a credential written into a plan, whichever planner wrote it.

const registry = createSkillRegistry();
const agent = { id: '00000000-0000-4000-8000-000000000001', name: 'caller' };

function planWith(skill: string, params: { [key: string]: JsonValue }, stepId = 's1'): unknown {
  return {
    plan_id: 'plan_test',
    planner: 'rules',
    planner_version: '1.0.0',
    goal: 'test',
    steps: [
      {
        step_id: stepId,
        skill,
        params,
        depends_on: [],
        on_error: 'abort',
        retry_count: 1,
        output_key: 'out',
        description: '',
      },
    ],
    metadata: {},
  };
}

const get = (extra: { [key: string]: JsonValue }) => ({ url: 'https://api.example.com/items', ...extra });
const post = (body: JsonValue, extra: { [key: string]: JsonValue } = {}) => get({ method: 'POST', body, ...extra });

async function refusal(plan: unknown): Promise<PlanInvalidError> {
  const error = await validatePlan(plan, { registry, env: {} }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(PlanInvalidError);
  return error as PlanInvalidError;
}

describe('validatePlan refuses a literal credential, naming the field and never the value', () => {
  const cases: [string, string, { [key: string]: JsonValue }, string][] = [
    [
      'Authorization header',
      'http_call',
      get({ headers: { Authorization: 'Bearer sk-live-123' } }),
      'headers.Authorization',
    ],
    [
      'lower-case authorization',
      'http_call',
      get({ headers: { authorization: 'Basic dTpw' } }),
      'headers.authorization',
    ],
    ['Cookie header', 'http_call', get({ headers: { Cookie: 'sid=abc123' } }), 'headers.Cookie'],
    ['X-API-Key header', 'http_call', get({ headers: { 'X-API-Key': 'k-123' } }), 'headers.X-API-Key'],
    ['Api-Key header', 'http_call', get({ headers: { 'api-key': 'k-123' } }), 'headers.api-key'],
    ['X-Auth-Token header', 'http_call', get({ headers: { 'X-Auth-Token': 't-123' } }), 'headers.X-Auth-Token'],
    ['X-Client-Secret header', 'http_call', get({ headers: { 'X-Client-Secret': 's-1' } }), 'headers.X-Client-Secret'],
    ['X-Auth header', 'http_call', get({ headers: { 'X-Auth': 'a-1' } }), 'headers.X-Auth'],
    [
      'a literal after references',
      'http_call',
      get({ headers: { Authorization: '{{secrets.A}} sk-1' } }),
      'headers.Authorization',
    ],
    ['URL userinfo', 'http_call', { url: 'https://user:hunter2@api.example.com/items' }, 'url (userinfo)'],
    ['URL user name alone', 'http_call', { url: 'https://deploy@api.example.com/items' }, 'url (userinfo)'],
    ['api_key query parameter', 'http_call', { url: 'https://api.example.com/x?q=1&api_key=abc' }, 'url?api_key'],
    [
      'access_token query parameter',
      'http_call',
      { url: 'https://api.example.com/x?access_token=abc' },
      'url?access_token',
    ],
    ['key query parameter', 'http_call', { url: 'https://maps.example.com/x?key=AIza123' }, 'url?key'],
    ['sig query parameter', 'http_call', { url: 'https://blob.example.com/x?sv=1&sig=abc%3D' }, 'url?sig'],
    [
      'X-Amz-Signature query parameter',
      'http_call',
      { url: 'https://s3.example.com/o?X-Amz-Signature=ab12' },
      'url?X-Amz-Signature',
    ],
    ['password query parameter', 'http_call', { url: 'https://api.example.com/login?password=pw' }, 'url?password'],
    ['secret query parameter', 'http_call', { url: 'https://api.example.com/x?client_secret=s' }, 'url?client_secret'],
    ['password body field', 'http_call', post({ user: 'ann', password: 'hunter2' }), 'body.password'],
    [
      'client_secret body field',
      'http_call',
      post({ grant_type: 'client_credentials', client_secret: 's3cr3t' }),
      'body.client_secret',
    ],
    ['nested token field', 'http_call', post({ auth: { refreshToken: 'rt-1' } }), 'body.auth.refreshToken'],
    ['numeric password', 'http_call', post({ pin_password: 1234 }), 'body.pin_password'],
    ['secret in an array', 'http_call', post({ secret: ['ok-{{secrets.A}}', 'plain'] }), 'body.secret[0]'],
    ['form-encoded body', 'http_call', post('grant_type=password&username=ann&password=hunter2'), 'body.password'],
    ['JSON text body', 'http_call', post('{"api_key":"k-1"}'), 'body.api_key'],
    [
      'webhook secret',
      'webhook_send',
      { url: 'https://hooks.example.com/x', payload: {}, secret: 'whsec_1' },
      'secret',
    ],
  ];

  it.each(cases)('%s', async (_name, skill, params, field) => {
    const error = await refusal(planWith(skill, params));
    expect(error.message).toBe(`literal credential at s1.params.${field} (use {{secrets.NAME}})`);
    expect(error.stepId).toBe('s1');
    expect(error.field).toBe(`params.${field}`);
    expect(error.message).not.toMatch(/sk-live|hunter2|abc123|k-123|s3cr3t|AIza123|whsec_1/);
  });
});

describe('validatePlan accepts credentials given by reference', () => {
  const accepted: [string, string, { [key: string]: JsonValue }][] = [
    ['an exact secret reference', 'http_call', get({ headers: { 'X-Api-Key': '{{secrets.API_KEY}}' } })],
    ['a scheme before a reference', 'http_call', get({ headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}' } })],
    [
      'cookie pairs of references',
      'http_call',
      get({ headers: { Cookie: 'sid={{secrets.SID}}; csrf={{secrets.CSRF}}' } }),
    ],
    [
      'a reference in a query parameter',
      'http_call',
      { url: 'https://maps.example.com/x?key={{secrets.MAPS_KEY}}&q=1' },
    ],
    ['references as userinfo', 'http_call', { url: 'https://{{secrets.USER}}:{{secrets.PASS}}@api.example.com/' }],
    ['a body field by reference', 'http_call', post({ username: 'ann', password: '{{secrets.PW}}' })],
    [
      'a webhook secret by reference',
      'webhook_send',
      { url: 'https://hooks.example.com/x', payload: {}, secret: '{{secrets.WH}}' },
    ],
    [
      'look-alike names',
      'http_call',
      post(
        { token_type: 'bearer', secret_name: 'x', max_tokens: 5, keyword: 'k', idempotency_key: 'i' },
        { headers: { 'Idempotency-Key': 'abc', Accept: 'application/json' } },
      ),
    ],
    ['look-alike query parameters', 'http_call', { url: 'https://api.example.com/x?keyword=a&monkey=b&page=2' }],
    ['empty and boolean values', 'http_call', post({ password: '', use_token: true, token: null })],
  ];

  it.each(accepted)('%s', async (_name, skill, params) => {
    await expect(validatePlan(planWith(skill, params), { registry, env: {} })).resolves.toMatchObject({
      steps: [{ params }],
    });
  });

  it('a step output reference where a credential goes (a token an earlier step fetched)', async () => {
    const plan = planWith(
      'http_call',
      get({ headers: { Authorization: 'Bearer {{s1.body.access_token}}' } }),
      's2',
    ) as {
      steps: unknown[];
    };
    plan.steps.unshift({
      step_id: 's1',
      skill: 'echo',
      params: { message: 'x' },
      depends_on: [],
      on_error: 'abort',
      retry_count: 1,
      output_key: 'tok',
      description: '',
    });
    (plan.steps[1] as { depends_on: string[] }).depends_on = ['s1'];
    await expect(validatePlan(plan, { registry, env: {} })).resolves.toBeDefined();
  });
});

describe('every planner refuses a literal credential', () => {
  let llm: ChatPeer;
  let env: SkillEnv;
  beforeAll(async () => {
    llm = await startChatPeer({ apiKey: 'sk-test', model: 'planner-model' });
    env = {
      AOS_PLANNER: 'llm',
      AOS_LLM_BASE_URL: llm.baseUrl,
      AOS_LLM_API_KEY: 'sk-test',
      AOS_LLM_MODEL: 'planner-model',
      AOS_HTTP_ALLOW_HOSTS: llm.hostPort,
    };
  });
  afterAll(async () => {
    await llm.close();
  });

  it('rules: a goal with a password in its URL', async () => {
    const failure = await generatePlanForRun({
      tenantId: 'acme',
      agent,
      goal: 'fetch https://ann:hunter2@api.example.com/report',
      registry,
      env: {},
    }).catch((error: unknown) => error);
    expect(isAosError(failure, 'PLAN_GENERATION_FAILED')).toBe(true);
    expect((failure as Error).message).toBe('literal credential at s1.params.url (userinfo) (use {{secrets.NAME}})');
  });

  it('llm: a plan with a literal Authorization header', async () => {
    llm.setContent({
      steps: [
        {
          step_id: 's1',
          skill: 'http_call',
          params: { url: 'https://api.example.com/me', headers: { Authorization: 'Bearer sk-live-123' } },
        },
      ],
    });
    const failure = await generatePlanForRun({ tenantId: 'acme', agent, goal: 'who am I', registry, env }).catch(
      (error: unknown) => error,
    );
    expect(isAosError(failure, 'PLAN_GENERATION_FAILED')).toBe(true);
    expect((failure as Error).message).toBe(
      'literal credential at s1.params.headers.Authorization (use {{secrets.NAME}})',
    );
  });
});
