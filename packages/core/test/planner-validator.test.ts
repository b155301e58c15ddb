import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import type { JsonValue } from '../src/db/schema';
import { isAosError } from '../src/errors';
import { PlanInvalidError, type PlanStep, validatePlan } from '../src/planner/index';
import { createSkillRegistry, DEFAULT_SKILLS, defineSkill, type SkillEnv } from '../src/skills/index';

const registry = createSkillRegistry();

function stepOf(
  stepId: string,
  skill: string,
  params: { [key: string]: JsonValue },
  extra: Partial<PlanStep> = {},
): PlanStep {
  return {
    step_id: stepId,
    skill,
    params,
    depends_on: [],
    on_error: 'abort',
    retry_count: 1,
    output_key: stepId,
    description: '',
    ...extra,
  };
}

function planOf(steps: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    plan_id: 'plan_test',
    planner: 'rules',
    planner_version: '1.0.0',
    goal: 'test',
    steps,
    metadata: {},
    ...extra,
  };
}

async function reasonOf(plan: unknown, env: SkillEnv = {}, skills = registry): Promise<string> {
  try {
    await validatePlan(plan, { registry: skills, env });
  } catch (error) {
    expect(error).toBeInstanceOf(PlanInvalidError);
    expect(isAosError(error, 'PLAN_INVALID')).toBe(true);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected the plan to be refused');
}

const echo = (stepId: string, extra: Partial<PlanStep> = {}): PlanStep =>
  stepOf(stepId, 'echo', { message: stepId }, extra);

describe('validatePlan accepts', () => {
  it('a valid plan, returned as given (no skill defaults filled in)', async () => {
    const plan = planOf([
      stepOf('s1', 'http_call', { url: 'https://example.com/x' }),
      echo('s2', { timeout_ms: 1000 }),
    ]);
    await expect(validatePlan(plan, { registry, env: {} })).resolves.toEqual(plan);
  });

  it('templated fields whose type is known only at execution, still checking the other fields', async () => {
    const plan = planOf([
      stepOf('s1', 'http_call', { url: 'https://example.com/start' }),
      stepOf(
        's2',
        'http_call',
        { url: '{{s1.body.next}}', headers: { 'x-id': 'id-{{s1.body.id}}' } },
        { depends_on: ['s1'] },
      ),
      stepOf(
        's3',
        'llm_invoke',
        { prompt: 'Sum up {{s2.body}}', max_tokens: '{{s1.body.budget}}' },
        { depends_on: ['s1', 's2'] },
      ),
      stepOf('s4', 'kv_store', { op: 'incr', key: 'hits', by: '{{s1.body.n}}' }, { depends_on: ['s1'] }),
      stepOf('s5', 'kv_store', { op: '{{s1.body.op}}', key: 'k' }, { depends_on: ['s1'] }),
      stepOf('s6', 'json_transform', { payload: '{{s1}}', mapping: { out: 'body.items[0]' } }, { depends_on: ['s1'] }),
    ]);
    await expect(validatePlan(plan, { registry, env: {} })).resolves.toEqual(plan);

    const badSibling = planOf([
      stepOf('s1', 'http_call', { url: 'https://example.com/start' }),
      stepOf('s2', 'llm_invoke', { prompt: '{{s1.body}}', temperature: 5 }, { depends_on: ['s1'] }),
    ]);
    expect(await reasonOf(badSibling)).toBe(
      'plan invalid: step s2 (llm_invoke): params.temperature: Too big: expected number to be <=2',
    );
  });

  it('a templated field inside one branch of a union', async () => {
    const picky = defineSkill({
      name: 'picky',
      version: '1.0.0',
      description: 'test skill with a union input',
      inputSchema: z
        .object({ target: z.union([z.object({ n: z.number() }), z.object({ s: z.string().min(3) })]) })
        .strict(),
      deterministic: true,
      sideEffects: false,
      network: false,
      defaultTimeoutMs: 1000,
      estimateCostCents: () => 0,
      execute: () => Promise.resolve({ output: {}, costCents: 0, outcomeCode: 'OK' }),
    });
    const skills = createSkillRegistry([...DEFAULT_SKILLS, picky]);
    const plan = planOf([
      echo('s1'),
      stepOf('s2', 'picky', { target: { n: '{{s1.message}}' } }, { depends_on: ['s1'] }),
    ]);
    await expect(validatePlan(plan, { registry: skills, env: {} })).resolves.toEqual(plan);
    expect(await reasonOf(planOf([stepOf('s1', 'picky', { target: { s: 'x' } })]), {}, skills)).toBe(
      'plan invalid: step s1 (picky): params.target.s: Too small: expected string to have >=3 characters',
    );
  });

  it('text Postgres stores: surrogate pairs (emoji), U+FFFD and escaped-looking text', async () => {
    const plan = planOf([stepOf('s1', 'echo', { message: 'ok \uD83D\uDE00 \uFFFD \\u0000' })], {
      metadata: { 'k\uD83D\uDE00': ['\uFFFD'] },
    });
    await expect(validatePlan(plan, { registry, env: {} })).resolves.toEqual(plan);
  });

  it('an http target the operator allow-listed', async () => {
    const plan = planOf([stepOf('s1', 'http_call', { url: 'http://127.0.0.1:8080/health' })]);
    await expect(validatePlan(plan, { registry, env: { AOS_HTTP_ALLOW_HOSTS: '127.0.0.1:8080' } })).resolves.toEqual(
      plan,
    );
  });
});

describe('validatePlan refuses, naming the step and field', () => {
  it('more than 25 steps, or none', async () => {
    const many = Array.from({ length: 26 }, (_, i) => echo(`s${i + 1}`));
    expect(await reasonOf(planOf(many))).toBe('plan invalid: steps: a plan has at most 25 steps, got 26');
    await expect(validatePlan(planOf(many.slice(0, 25)), { registry, env: {} })).resolves.toBeDefined();
    expect(await reasonOf(planOf([]))).toBe('plan invalid: steps: a plan needs at least 1 step');
  });

  it('an unknown skill', async () => {
    expect(await reasonOf(planOf([echo('s1'), stepOf('s2', 'teleport', {})]))).toBe(
      'plan invalid: step s2: skill: "teleport" is not a registered skill',
    );
  });

  it('a cycle, a self dependency, a forward or unknown dependency', async () => {
    expect(await reasonOf(planOf([echo('s1', { depends_on: ['s2'] }), echo('s2', { depends_on: ['s1'] })]))).toBe(
      'plan invalid: step s1 (echo): depends_on: cycle s1 → s2 → s1',
    );
    expect(
      await reasonOf(
        planOf([
          echo('s1', { depends_on: ['s3'] }),
          echo('s2', { depends_on: ['s1'] }),
          echo('s3', { depends_on: ['s2'] }),
        ]),
      ),
    ).toBe('plan invalid: step s1 (echo): depends_on: cycle s1 → s3 → s2 → s1');
    expect(await reasonOf(planOf([echo('s1', { depends_on: ['s1'] })]))).toBe(
      'plan invalid: step s1 (echo): depends_on: s1 depends on itself (cycle)',
    );
    expect(await reasonOf(planOf([echo('s1', { depends_on: ['s2'] }), echo('s2')]))).toBe(
      'plan invalid: step s1 (echo): depends_on: s2 is not an earlier step (forward reference)',
    );
    expect(await reasonOf(planOf([echo('s1'), echo('s2', { depends_on: ['s9'] })]))).toBe(
      'plan invalid: step s2 (echo): depends_on: unknown step s9',
    );
  });

  it('params the skill does not accept', async () => {
    expect(await reasonOf(planOf([stepOf('s1', 'echo', { message: 5 })]))).toBe(
      'plan invalid: step s1 (echo): params.message: Invalid input: expected string, received number',
    );
    expect(await reasonOf(planOf([stepOf('s1', 'echo', { message: 'x', loud: true })]))).toBe(
      'plan invalid: step s1 (echo): params: Unrecognized key: "loud"',
    );
    expect(await reasonOf(planOf([stepOf('s1', 'json_transform', { payload: {}, mapping: { out: 'a..b' } })]))).toMatch(
      /^plan invalid: step s1 \(json_transform\): params\.mapping\.out: invalid path "a\.\.b"/,
    );
    expect(await reasonOf(planOf([stepOf('s1', 'http_call', { url: 'not a url' })]))).toBe(
      'plan invalid: step s1 (http_call): params.url: "not a url" is not an absolute URL',
    );
  });

  it('forbidden http targets', async () => {
    expect(await reasonOf(planOf([stepOf('s1', 'http_call', { url: 'http://10.0.0.1/' })]))).toMatch(
      /^plan invalid: step s1 \(http_call\): params\.url: network policy refuses 10\.0\.0\.1:80: 10\.0\.0\.1 is a private address/,
    );
    expect(
      await reasonOf(
        planOf([echo('s1'), stepOf('s2', 'http_call', { url: 'http://169.254.169.254/latest/meta-data/' })]),
      ),
    ).toMatch(
      /^plan invalid: step s2 \(http_call\): params\.url: network policy refuses 169\.254\.169\.254:80: .*cloud-metadata/,
    );
    expect(
      await reasonOf(planOf([stepOf('s1', 'webhook_send', { url: 'http://127.0.0.1:9000/hook', payload: {} })])),
    ).toMatch(
      /^plan invalid: step s1 \(webhook_send\): params\.url: network policy refuses 127\.0\.0\.1:9000: .*loopback/,
    );
    expect(
      await reasonOf(planOf([stepOf('s1', 'slack_send', { text: 'hi', webhook_url: 'https://[::1]/x' })])),
    ).toMatch(
      /^plan invalid: step s1 \(slack_send\): params\.webhook_url: network policy refuses \[::1\]:443: .*loopback/,
    );
  });

  it('duplicate step ids', async () => {
    expect(await reasonOf(planOf([echo('s1'), echo('s2'), echo('s1')]))).toBe(
      'plan invalid: step s1 (echo): step_id: duplicate step id s1 (also steps[0])',
    );
  });

  it('template references that cannot resolve', async () => {
    expect(
      await reasonOf(
        planOf([echo('s1'), stepOf('s2', 'echo', { message: 'x {{s7.message}}' }, { depends_on: ['s1'] })]),
      ),
    ).toBe('plan invalid: step s2 (echo): params.message: template {{s7.message}} refers to unknown step s7');
    expect(await reasonOf(planOf([stepOf('s1', 'echo', { message: '{{s2.message}}' }), echo('s2')]))).toBe(
      'plan invalid: step s1 (echo): params.message: template {{s2.message}} refers to s2, which is not an earlier step',
    );
    expect(await reasonOf(planOf([echo('s1'), stepOf('s2', 'echo', { message: '{{s1.message}}' })]))).toBe(
      'plan invalid: step s2 (echo): params.message: template {{s1.message}} refers to s1, which is not in depends_on',
    );
    expect(
      await reasonOf(planOf([echo('s1'), stepOf('s2', 'echo', { message: '{{s1.}}' }, { depends_on: ['s1'] })])),
    ).toBe(
      'plan invalid: step s2 (echo): params.message: malformed template {{s1.}}: expected .name or [index] at "."',
    );
  });

  it('a string or an object key Postgres cannot store (NUL, a lone surrogate), wherever it is', async () => {
    const unstorable = ' which Postgres cannot store';
    const key = await reasonOf(
      planOf([stepOf('s1', 'json_transform', { payload: { 'k\u0000': 1 }, mapping: { out: 'k' } })]),
    );
    expect(key).toBe(
      `plan invalid: step s1 (json_transform): params.payload["k\\u0000"]: the key contains a NUL character (\\u0000),${unstorable}`,
    );
    // The reason becomes the run's error_message: it names the character, never holds it.
    expect(key).not.toContain('\u0000');
    expect(
      await reasonOf(planOf([stepOf('s1', 'echo', { message: 'x' }), echo('s2', { description: 'a\u0000b' })])),
    ).toBe(`plan invalid: step s2 (echo): description: the text contains a NUL character (\\u0000),${unstorable}`);
    expect(await reasonOf(planOf([stepOf('s1', 'echo', { message: 'x', '\uD800': 'y' })]))).toBe(
      `plan invalid: step s1 (echo): params["\\ud800"]: the key contains a lone surrogate (\\ud800),${unstorable}`,
    );
    expect(await reasonOf(planOf([echo('s1')], { metadata: { note: ['ok', 'end \uDC00'] } }))).toBe(
      `plan invalid: metadata.note[1]: the text contains a lone surrogate (\\udc00),${unstorable}`,
    );
    expect(await reasonOf(planOf([stepOf('s1', 'echo', { message: 'x\u0000' })]))).toBe(
      `plan invalid: step s1 (echo): params.message: the text contains a NUL character (\\u0000),${unstorable}`,
    );
  });

  it('anything outside the plan schema', async () => {
    expect(await reasonOf(planOf([echo('s1')], { extra: 1 }))).toBe('plan invalid: Unrecognized key: "extra"');
    expect(await reasonOf(planOf([echo('s1', { retry_count: 0 })]))).toBe(
      'plan invalid: step s1 (echo): retry_count: Too small: expected number to be >=1',
    );
    expect(await reasonOf(planOf([echo('s1', { retry_count: 11 })]))).toBe(
      'plan invalid: step s1 (echo): retry_count: Too big: expected number to be <=10',
    );
    expect(await reasonOf(planOf([echo('s01')]))).toBe('plan invalid: steps[0].step_id: must look like s1, s2, …');
    expect(await reasonOf(planOf([echo('s1')], { planner: 'oracle' }))).toMatch(
      /^plan invalid: planner: Invalid option/,
    );
    expect(await reasonOf('not a plan')).toBe('plan invalid: Invalid input: expected object, received string');
  });
});
