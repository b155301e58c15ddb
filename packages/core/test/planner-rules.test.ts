import { sha256Hex } from '@aos/proof';
import { describe, expect, it } from 'vitest';

import { isAosError } from '../src/errors';
import { createRulesPlan, generatePlanForRun, type Plan, validatePlan } from '../src/planner/index';
import { createSkillRegistry } from '../src/skills/index';

const registry = createSkillRegistry();
const agent = { id: '00000000-0000-4000-8000-000000000001', name: 'helper', description: 'test agent' };

function planIdOf(goal: string): string {
  return `plan_${sha256Hex(JSON.stringify(['rules', '1.0.0', goal])).slice(0, 32)}`;
}

/** Every golden plan must also be one the validator accepts. */
async function planned(goal: string): Promise<Plan> {
  const plan = createRulesPlan(goal);
  await expect(validatePlan(plan, { registry, env: {} })).resolves.toEqual(plan);
  return plan;
}

describe('rules planner: one golden plan per rule', () => {
  it('analyze/summarize/explain + URL: fetch, extract, then ask the LLM', async () => {
    const goal = 'Summarize https://example.com/report.json for the board.';
    expect(await planned(goal)).toEqual({
      plan_id: planIdOf(goal),
      planner: 'rules',
      planner_version: '1.0.0',
      goal,
      steps: [
        {
          step_id: 's1',
          skill: 'http_call',
          params: { method: 'GET', url: 'https://example.com/report.json' },
          depends_on: [],
          on_error: 'abort',
          retry_count: 3,
          output_key: 'response',
          description: 'GET https://example.com/report.json',
        },
        {
          step_id: 's2',
          skill: 'json_transform',
          params: {
            payload: '{{s1}}',
            mapping: {
              status: 'status',
              content_type: 'headers.content-type',
              content: 'body',
              truncated: 'truncated',
            },
          },
          depends_on: ['s1'],
          on_error: 'abort',
          retry_count: 1,
          output_key: 'extracted',
          description: 'Extract status, content type and content of the response',
        },
        {
          step_id: 's3',
          skill: 'llm_invoke',
          params: {
            system: 'You carry out the task given by the user using only the fetched content provided with it.',
            prompt:
              'Task: Summarize https://example.com/report.json for the board.\n\n' +
              'Content fetched from https://example.com/report.json (JSON: status, content_type, content, truncated):\n' +
              '{{s2.result}}',
          },
          depends_on: ['s2'],
          on_error: 'abort',
          retry_count: 2,
          output_key: 'answer',
          description: 'Carry out the goal on the fetched content with the LLM',
        },
      ],
      metadata: { rule: 'analyze_url', keyword: 'summarize' },
    });
  });

  it('fetch/get/http/api/request + URL: one GET', async () => {
    const goal = 'Fetch https://api.example.com/items?limit=5, please';
    expect(await planned(goal)).toEqual({
      plan_id: planIdOf(goal),
      planner: 'rules',
      planner_version: '1.0.0',
      goal,
      steps: [
        {
          step_id: 's1',
          skill: 'http_call',
          params: { method: 'GET', url: 'https://api.example.com/items?limit=5' },
          depends_on: [],
          on_error: 'abort',
          retry_count: 3,
          output_key: 'response',
          description: 'GET https://api.example.com/items?limit=5',
        },
      ],
      metadata: { rule: 'fetch_url', keyword: 'fetch' },
    });
  });

  it('transform/extract/filter/pick + inline JSON: json_transform of the keys the goal names', async () => {
    const goal = 'extract name and email from {"name":"Ada","email":"ada@example.com","age":36}';
    expect(await planned(goal)).toEqual({
      plan_id: planIdOf(goal),
      planner: 'rules',
      planner_version: '1.0.0',
      goal,
      steps: [
        {
          step_id: 's1',
          skill: 'json_transform',
          params: {
            payload: { name: 'Ada', email: 'ada@example.com', age: 36 },
            mapping: { name: 'name', email: 'email' },
          },
          depends_on: [],
          on_error: 'abort',
          retry_count: 1,
          output_key: 'result',
          description: 'Pick values out of the inline JSON',
        },
      ],
      metadata: { rule: 'transform_json', keyword: 'extract' },
    });
  });

  it('llm/chat/generate/write/compose: one llm_invoke with the goal as prompt', async () => {
    const goal = 'Write a haiku about autumn';
    expect(await planned(goal)).toEqual({
      plan_id: planIdOf(goal),
      planner: 'rules',
      planner_version: '1.0.0',
      goal,
      steps: [
        {
          step_id: 's1',
          skill: 'llm_invoke',
          params: { prompt: goal },
          depends_on: [],
          on_error: 'abort',
          retry_count: 2,
          output_key: 'answer',
          description: 'Ask the LLM',
        },
      ],
      metadata: { rule: 'llm', keyword: 'write' },
    });
  });

  it('echo/say/print: echo of the text after the keyword', async () => {
    const goal = 'Please echo: "Hello, world"';
    expect(await planned(goal)).toEqual({
      plan_id: planIdOf(goal),
      planner: 'rules',
      planner_version: '1.0.0',
      goal,
      steps: [
        {
          step_id: 's1',
          skill: 'echo',
          params: { message: 'Hello, world' },
          depends_on: [],
          on_error: 'abort',
          retry_count: 1,
          output_key: 'message',
          description: 'Echo the message',
        },
      ],
      metadata: { rule: 'echo', keyword: 'echo' },
    });
  });

  it('any other goal: a single echo recording the goal', async () => {
    const goal = 'Plan the quarterly offsite';
    expect(await planned(goal)).toEqual({
      plan_id: planIdOf(goal),
      planner: 'rules',
      planner_version: '1.0.0',
      goal,
      steps: [
        {
          step_id: 's1',
          skill: 'echo',
          params: { message: goal },
          depends_on: [],
          on_error: 'abort',
          retry_count: 1,
          output_key: 'goal',
          description: 'Record the goal (no planning rule matched)',
        },
      ],
      metadata: { rule: 'fallback_echo', keyword: null },
    });
  });
});

describe('rules planner: matching', () => {
  const ruleOf = (goal: string): unknown => createRulesPlan(goal).metadata.rule;

  it('applies the highest-priority rule that matches', () => {
    expect(ruleOf('fetch and summarize https://example.com/a')).toBe('analyze_url');
    expect(ruleOf('write a note, then print it')).toBe('llm');
    expect(ruleOf('GET https://example.com/a and filter {"a":1}')).toBe('fetch_url');
  });

  it('needs the URL or the inline JSON a rule asks for', () => {
    expect(ruleOf('explain quantum physics')).toBe('fallback_echo');
    expect(ruleOf('get the weather')).toBe('fallback_echo');
    expect(ruleOf('filter the list')).toBe('fallback_echo');
    expect(ruleOf('fetch ftp://example.com/file')).toBe('fallback_echo');
  });

  it('matches whole words in any case, never inside words, URLs or JSON', () => {
    expect(ruleOf('GENERATE a title')).toBe('llm');
    expect(ruleOf('forgetting the sayings')).toBe('fallback_echo');
    expect(ruleOf('look at https://api.example.com/get')).toBe('fallback_echo');
    expect(ruleOf('store {"say": "x"}')).toBe('fallback_echo');
  });

  it('keeps the URL without sentence punctuation', () => {
    expect(createRulesPlan('Fetch (https://example.com/a_(b)).').steps[0]?.params.url).toBe(
      'https://example.com/a_(b)',
    );
  });

  it('maps every top-level key when the goal names none, and non-objects whole', () => {
    expect(createRulesPlan('transform {"a":1,"b c":2}').steps[0]?.params.mapping).toEqual({
      a: 'a',
      'b c': '$["b c"]',
    });
    expect(createRulesPlan('pick from [1, 2, 3] [draft]').steps[0]?.params).toEqual({
      payload: [1, 2, 3],
      mapping: { value: '$' },
    });
  });

  it('echoes the goal itself when nothing follows the keyword', () => {
    expect(createRulesPlan('say').steps[0]?.params).toEqual({ message: 'say' });
    expect(createRulesPlan("print 'done'").steps[0]?.params).toEqual({ message: 'done' });
  });
});

describe('generatePlanForRun with the rules planner', () => {
  it('gives the same plan bytes and plan_hash for the same goal', async () => {
    const goal = 'Summarize https://example.com/report.json';
    const first = await generatePlanForRun({ tenantId: 't1', agent, goal, registry, env: {} });
    const second = await generatePlanForRun({ tenantId: 't2', agent, goal, registry, env: { AOS_PLANNER: 'rules' } });
    expect(JSON.stringify(second.plan)).toBe(JSON.stringify(first.plan));
    expect(second.planHash).toBe(first.planHash);
    expect(first.planHash).toMatch(/^[0-9a-f]{64}$/);
    const other = await generatePlanForRun({ tenantId: 't1', agent, goal: `${goal}!`, registry, env: {} });
    expect(other.planHash).not.toBe(first.planHash);
  });

  it('fails planning with the validator reason when the rules plan is refused', async () => {
    const failure = await generatePlanForRun({
      tenantId: 't1',
      agent,
      goal: 'fetch http://10.0.0.1/admin',
      registry,
      env: {},
    }).catch((error: unknown) => error);
    expect(isAosError(failure, 'PLAN_GENERATION_FAILED')).toBe(true);
    expect((failure as Error).message).toMatch(
      /^plan invalid: step s1 \(http_call\): params\.url: network policy refuses 10\.0\.0\.1:80: .*private/,
    );
    expect((failure as Error).message).not.toContain('\n');
  });

  it('refuses an unknown AOS_PLANNER and an llm planner without endpoint as configuration errors', async () => {
    await expect(
      generatePlanForRun({ tenantId: 't1', agent, goal: 'say hi', registry, env: { AOS_PLANNER: 'magic' } }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: 'AOS_PLANNER must be one of rules, llm, got "magic"' });
    await expect(
      generatePlanForRun({ tenantId: 't1', agent, goal: 'say hi', registry, env: { AOS_PLANNER: 'llm' } }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('AOS_LLM_BASE_URL') });
  });
});
