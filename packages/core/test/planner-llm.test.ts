import { computePlanHash } from '@aos/proof';
import { startChatPeer, type ChatPeer } from '@aos/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isAosError } from '../src/errors';
import { createLlmPlan, generatePlanForRun } from '../src/planner/index';
import { createSkillRegistry, type SkillEnv } from '../src/skills/index';

const registry = createSkillRegistry();
const agent = { id: '00000000-0000-4000-8000-000000000001', name: 'greeter', description: 'Greets people' };
const goal = 'Greet the team';

const validAnswer = {
  // Planner-level fields from the model are ignored.
  plan_id: 'plan_from_the_model',
  planner: 'rules',
  goal: 'something else',
  steps: [
    {
      step_id: 's1',
      skill: 'echo',
      params: { message: 'Hello, team' },
      depends_on: [],
      on_error: 'abort',
      retry_count: 1,
      output_key: 'greeting',
      description: 'Say hello',
    },
    { step_id: 's2', skill: 'echo', params: { message: 'Said: {{s1.message}}' }, depends_on: ['s1'] },
  ],
  metadata: { reasoning: 'two echoes' },
};

let llm: ChatPeer;
let env: SkillEnv;

beforeAll(async () => {
  llm = await startChatPeer({ apiKey: 'sk-test', model: 'planner-model' });
  env = {
    AOS_PLANNER: 'llm',
    AOS_LLM_BASE_URL: llm.baseUrl,
    AOS_LLM_API_KEY: 'sk-test',
    AOS_LLM_MODEL: 'planner-model',
    // The peer listens on loopback, which the network policy refuses unless allow-listed.
    AOS_HTTP_ALLOW_HOSTS: llm.hostPort,
  };
});
afterAll(async () => {
  await llm.close();
});

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(isAosError(error, 'PLAN_GENERATION_FAILED')).toBe(true);
  expect((error as Error).message).not.toContain('\n');
  return error as Error;
}

describe('llm planner against an OpenAI-compatible endpoint', () => {
  it('turns a valid answer into a validated llm plan with our planner-level fields', async () => {
    llm.setContent(validAnswer);
    const before = llm.chats.length;
    const { plan, planHash } = await generatePlanForRun({ tenantId: 'acme', agent, goal, registry, env });
    expect(plan).toEqual({
      plan_id: expect.stringMatching(/^plan_[0-9a-f]{32}$/),
      planner: 'llm',
      planner_version: '1.0.0',
      goal,
      steps: [
        validAnswer.steps[0],
        {
          step_id: 's2',
          skill: 'echo',
          params: { message: 'Said: {{s1.message}}' },
          depends_on: ['s1'],
          on_error: 'abort',
          retry_count: 1,
          output_key: 's2',
          description: '',
        },
      ],
      metadata: { model: 'planner-model', model_metadata: { reasoning: 'two echoes' } },
    });
    expect(planHash).toBe(computePlanHash(plan));

    expect(llm.chats.length).toBe(before + 1);
    const request = llm.chats.at(-1) as unknown as {
      model: string;
      messages: { role: string; content: string }[];
      response_format: unknown;
    };
    expect(request.model).toBe('planner-model');
    expect(request.response_format).toEqual({ type: 'json_object' });
    const [system, user] = request.messages;
    expect(system?.role).toBe('system');
    for (const name of registry.manifest().map((entry) => entry.name))
      expect(system?.content).toContain(`"name":"${name}"`);
    expect(system?.content).toContain('"input_schema"');
    expect(user).toEqual({ role: 'user', content: 'Agent: greeter — Greets people\nGoal: Greet the team' });
  });

  it('reads an answer wrapped in a ``` fence', async () => {
    llm.setContent(`\`\`\`json\n${JSON.stringify({ steps: [validAnswer.steps[0]] })}\n\`\`\``);
    const plan = await createLlmPlan({ goal, manifest: registry.manifest(), env }, registry);
    expect(plan.planner).toBe('llm');
    expect(plan.steps).toEqual([validAnswer.steps[0]]);
    expect(plan.metadata).toEqual({ model: 'planner-model' });
  });

  it('fails planning on an answer that is not JSON', async () => {
    llm.setContent('Sure! Here is your plan: step one, say hello.');
    const error = await failureOf(generatePlanForRun({ tenantId: 'acme', agent, goal, registry, env }));
    expect(error.message).toBe('llm planner: the answer is not JSON: Sure! Here is your plan: step one, say hello.');
  });

  it('fails planning on a plan with a NUL character in an object key, naming the key without holding it', async () => {
    // The model's JSON text carries the escape; parsing it makes the real character.
    llm.setContent('{"steps":[{"step_id":"s1","skill":"echo","params":{"message":"hi","x\\u0000":1}}]}');
    const error = await failureOf(generatePlanForRun({ tenantId: 'acme', agent, goal, registry, env }));
    expect(error.message).toBe(
      'plan invalid: step s1 (echo): params["x\\u0000"]: the key contains a NUL character (\\u0000), which Postgres cannot store',
    );
    expect(error.message).not.toContain('\u0000');
  });

  it('fails planning on a plan with an unknown skill, naming it', async () => {
    llm.setContent({ steps: [{ ...validAnswer.steps[0], skill: 'teleport' }] });
    const error = await failureOf(generatePlanForRun({ tenantId: 'acme', agent, goal, registry, env }));
    expect(error.message).toBe('plan invalid: step s1: skill: "teleport" is not a registered skill');
    expect(isAosError(error.cause, 'PLAN_INVALID')).toBe(true);
  });

  it('fails planning when the endpoint refuses the key', async () => {
    llm.setContent(validAnswer);
    const error = await failureOf(
      generatePlanForRun({ tenantId: 'acme', agent, goal, registry, env: { ...env, AOS_LLM_API_KEY: 'wrong' } }),
    );
    expect(error.message).toMatch(/^llm planner: the LLM planner endpoint answered HTTP 401: .*Incorrect API key/);
  });

  it('fails planning when the endpoint is unreachable or refused by the network policy', async () => {
    const gone = await startChatPeer();
    await gone.close();
    const unreachable = await failureOf(
      generatePlanForRun({
        tenantId: 'acme',
        agent,
        goal,
        registry,
        env: { ...env, AOS_LLM_BASE_URL: gone.baseUrl, AOS_HTTP_ALLOW_HOSTS: gone.hostPort },
      }),
    );
    expect(unreachable.message).toMatch(/^llm planner: .*ECONNREFUSED/);

    const refused = await failureOf(
      generatePlanForRun({ tenantId: 'acme', agent, goal, registry, env: { ...env, AOS_HTTP_ALLOW_HOSTS: '' } }),
    );
    expect(refused.message).toMatch(/^llm planner: network policy refuses 127\.0\.0\.1:\d+: .*AOS_HTTP_ALLOW_HOSTS/);
  });
});
