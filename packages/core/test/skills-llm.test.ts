import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSkillContext,
  startChatPeer,
  startEmbeddingsPeer,
  type ChatPeer,
  type EmbeddingsPeer,
} from '@aos/testkit';
import { llmInvokeSkill, SkillError, voyageEmbedSkill, type SkillEnv } from '../src/skills/index';

async function failure(promise: Promise<unknown>): Promise<SkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SkillError);
    return error as SkillError;
  }
  throw new Error('expected the skill to fail');
}

describe('llm_invoke against an OpenAI-compatible peer', () => {
  let llm: ChatPeer;
  let env: SkillEnv;
  const invoke = (input: unknown, overrides: SkillEnv = {}, reservedCents?: number) =>
    llmInvokeSkill.execute(
      llmInvokeSkill.inputSchema.parse(input),
      createSkillContext({ env: { ...env, ...overrides }, ...(reservedCents !== undefined ? { reservedCents } : {}) }),
    );

  beforeAll(async () => {
    llm = await startChatPeer({
      apiKey: 'sk-test',
      content: 'Hello from the peer',
      usage: { prompt_tokens: 120, completion_tokens: 30 },
    });
    env = { AOS_LLM_BASE_URL: llm.baseUrl, AOS_LLM_API_KEY: 'sk-test', AOS_HTTP_ALLOW_HOSTS: llm.hostPort };
  });
  afterAll(async () => {
    await llm.close();
  });

  it('returns the content, usage, tokens, model and cost', async () => {
    const result = await invoke({ prompt: 'Say hello', max_tokens: 50, temperature: 0 });
    expect(result.output).toMatchObject({
      content: 'Hello from the peer',
      model: 'gpt-4o-mini',
      usage: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
      usage_estimated: false,
    });
    expect(result.tokens).toBe(150);
    expect(result.model).toBe('gpt-4o-mini');
    // 150 tokens at the default 0.2 cents per 1k
    expect(result.costCents).toBeCloseTo(0.03, 10);
    expect(llm.chats.at(-1)).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello' }],
      max_tokens: 50,
      temperature: 0,
    });
    expect(llm.requests.at(-1)?.headers.authorization).toBe('Bearer sk-test');
  });

  it('uses AOS_LLM_MODEL and the configured price', async () => {
    const result = await invoke(
      { prompt: 'x', system: 'be brief' },
      { AOS_LLM_MODEL: 'local-model', AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '2' },
    );
    expect(result.model).toBe('local-model');
    expect(result.costCents).toBeCloseTo(0.3, 10);
    expect(llm.chats.at(-1)?.messages).toEqual([
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'x' },
    ]);
  });

  it('estimates from prompt length and max_tokens at the env price', () => {
    const input = llmInvokeSkill.inputSchema.parse({ prompt: 'a'.repeat(400), max_tokens: 100 });
    // prompt: ceil(400 bytes / 3) = 134 + 8 (message) + 16 (request) = 158 tokens; + 100 completion
    expect(llmInvokeSkill.estimateCostCents(input)).toBe(0.0516);
    expect(llmInvokeSkill.estimateCostCents(input, { AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '1' })).toBe(0.258);
  });

  it('estimates a prompt at no fewer tokens than its UTF-8 bytes / 3', () => {
    // 100 characters, 300 bytes: 100 tokens (characters / 4 would say 25) + 8 + 16
    const input = llmInvokeSkill.inputSchema.parse({ prompt: '日本'.repeat(50), max_tokens: 10 });
    expect(llmInvokeSkill.estimateCostCents(input, { AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '1' })).toBe(0.134);
  });

  it('always sends max_tokens: without params or a reservation, the 1024 its own estimate pays for', async () => {
    await invoke({ prompt: 'Say hello' });
    expect(llm.chats.at(-1)?.max_tokens).toBe(1024);
  });

  it("sends as max_tokens what the step's reservation pays for after the prompt, at the price", async () => {
    // 'Say hello': ceil(9 / 3) + 8 + 16 = 27 prompt tokens; 0.5c at 1c per 1k tokens pays for 500
    await invoke({ prompt: 'Say hello' }, { AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '1' }, 0.5);
    expect(llm.chats.at(-1)?.max_tokens).toBe(500 - 27);
    // 100 characters of 3 bytes: 100 + 8 + 16 = 124 prompt tokens; 0.2c pays for 200
    await invoke({ prompt: '日本'.repeat(50) }, { AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '1' }, 0.2);
    expect(llm.chats.at(-1)?.max_tokens).toBe(200 - 124);
    // at the default 0.2c per 1k, 0.5c pays for 2500 tokens
    await invoke({ prompt: 'Say hello' }, {}, 0.5);
    expect(llm.chats.at(-1)?.max_tokens).toBe(1024);
  });

  it('never sends more max_tokens than the params ask for, whatever the reservation', async () => {
    await invoke({ prompt: 'Say hello', max_tokens: 100 }, { AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '1' }, 50);
    expect(llm.chats.at(-1)?.max_tokens).toBe(100);
  });

  it('refuses, without calling the endpoint, a reservation that cannot pay for the prompt', async () => {
    const sent = llm.chats.length;
    const error = await failure(invoke({ prompt: 'Say hello' }, { AOS_LLM_PRICE_CENTS_PER_1K_TOKENS: '1' }, 0.027));
    expect(error).toMatchObject({ category: 'validation', retryable: false, outcomeCode: 'RESERVATION_TOO_SMALL' });
    expect(error.message).toBe(
      'llm_invoke: the 0.027c reserved cannot pay for the prompt (27 tokens estimated) and one answer token at 1c per 1k tokens',
    );
    expect(llm.chats).toHaveLength(sent);
  });

  it('serves a JSON plan as content', async () => {
    llm.setContent({ steps: [{ step_id: 's1', skill: 'echo', params: { message: 'hi' } }] });
    try {
      const result = await invoke({ messages: [{ role: 'user', content: 'plan it' }] });
      expect(JSON.parse(result.output.content as string)).toEqual({
        steps: [{ step_id: 's1', skill: 'echo', params: { message: 'hi' } }],
      });
    } finally {
      llm.setContent('Hello from the peer');
    }
  });

  it('refuses a wrong key for good', async () => {
    const error = await failure(invoke({ prompt: 'x' }, { AOS_LLM_API_KEY: 'sk-wrong' }));
    expect(error).toMatchObject({ category: 'http_client_error', retryable: false, outcomeCode: 'HTTP_401' });
  });

  it('is not_configured without AOS_LLM_BASE_URL', async () => {
    const error = await failure(invoke({ prompt: 'x' }, { AOS_LLM_BASE_URL: undefined }));
    expect(error).toMatchObject({ category: 'not_configured', retryable: false, code: 'SKILL_NOT_CONFIGURED' });
    expect(error.message).toBe('llm_invoke is not configured: set AOS_LLM_BASE_URL');
  });

  it('still needs the endpoint allow-listed when it is private', async () => {
    const error = await failure(invoke({ prompt: 'x' }, { AOS_HTTP_ALLOW_HOSTS: undefined }));
    expect(error.category).toBe('policy');
  });

  it('takes exactly one of prompt and messages', () => {
    expect(() => llmInvokeSkill.inputSchema.parse({})).toThrow(/exactly one of prompt or messages/);
    expect(() => llmInvokeSkill.inputSchema.parse({ prompt: 'a', messages: [{ role: 'user', content: 'b' }] })).toThrow(
      /exactly one/,
    );
  });
});

describe('llm_invoke without usage in the answer', () => {
  it('counts tokens approximately and says so', async () => {
    const llm = await startChatPeer({ content: 'abcdefgh', usage: null });
    try {
      const result = await llmInvokeSkill.execute(
        llmInvokeSkill.inputSchema.parse({ prompt: 'a'.repeat(40) }),
        createSkillContext({ env: { AOS_LLM_BASE_URL: llm.baseUrl, AOS_HTTP_ALLOW_HOSTS: llm.hostPort } }),
      );
      // the prompt as reserved (ceil(40 / 3) + 8 + 16), the answer at characters / 4
      expect(result.output).toMatchObject({
        usage: { prompt_tokens: 38, completion_tokens: 2, total_tokens: 40 },
        usage_estimated: true,
      });
      expect(llm.requests.at(-1)?.headers.authorization).toBeUndefined();
    } finally {
      await llm.close();
    }
  });
});

describe('llm_invoke without usage in a long answer', () => {
  it('counts the answer as at most the max_tokens it asked for', async () => {
    const llm = await startChatPeer({ content: 'word '.repeat(2000), usage: null });
    try {
      const input = llmInvokeSkill.inputSchema.parse({ prompt: 'abc', max_tokens: 10 });
      const result = await llmInvokeSkill.execute(
        input,
        createSkillContext({ env: { AOS_LLM_BASE_URL: llm.baseUrl, AOS_HTTP_ALLOW_HOSTS: llm.hostPort } }),
      );
      expect(result.output).toMatchObject({
        usage: { prompt_tokens: 1 + 8 + 16, completion_tokens: 10, total_tokens: 35 },
        usage_estimated: true,
      });
      // so it costs exactly what was reserved, never more
      expect(result.costCents).toBe(0.007);
      expect(llmInvokeSkill.estimateCostCents(input)).toBe(0.007);
    } finally {
      await llm.close();
    }
  });
});

describe('voyage_embed against a Voyage-style peer', () => {
  let voyage: EmbeddingsPeer;
  let env: SkillEnv;
  const embed = (input: unknown, overrides: SkillEnv = {}) =>
    voyageEmbedSkill.execute(
      voyageEmbedSkill.inputSchema.parse(input),
      createSkillContext({ env: { ...env, ...overrides } }),
    );

  beforeAll(async () => {
    voyage = await startEmbeddingsPeer({ apiKey: 'pa-test', dimensions: 4 });
    env = { AOS_VOYAGE_BASE_URL: voyage.baseUrl, AOS_VOYAGE_API_KEY: 'pa-test', AOS_HTTP_ALLOW_HOSTS: voyage.hostPort };
  });
  afterAll(async () => {
    await voyage.close();
  });

  it('returns one vector per input, in input order, with usage and cost', async () => {
    const result = await embed({ input: ['first text', 'second', 'third one here'], input_type: 'document' });
    expect(result.output.embeddings).toEqual([
      voyage.vectorFor('first text'),
      voyage.vectorFor('second'),
      voyage.vectorFor('third one here'),
    ]);
    expect(result.output).toMatchObject({ model: 'voyage-3.5', usage: { total_tokens: 3 + 2 + 4 } });
    expect(result.tokens).toBe(9);
    expect(result.costCents).toBeCloseTo(0.000054, 10);
    expect(voyage.requests.at(-1)?.json()).toEqual({
      input: ['first text', 'second', 'third one here'],
      model: 'voyage-3.5',
      input_type: 'document',
    });
  });

  it('estimates at UTF-8 bytes / 3, so the tokens reported stay within the reservation', () => {
    const input = voyageEmbedSkill.inputSchema.parse({ input: ['first text', 'second', 'third one here'] });
    // ceil(10 / 3) + ceil(6 / 3) + ceil(14 / 3) = 11 tokens (the peer reports 9) at 0.006c per 1k
    expect(voyageEmbedSkill.estimateCostCents(input)).toBe(0.000066);
  });

  it('accepts a single string and a model', async () => {
    const result = await embed({ input: 'solo', model: 'voyage-code-3' });
    expect(result.output).toMatchObject({ embeddings: [voyage.vectorFor('solo')], model: 'voyage-code-3' });
  });

  it('is not_configured without an API key', async () => {
    const error = await failure(embed({ input: 'x' }, { AOS_VOYAGE_API_KEY: undefined }));
    expect(error.category).toBe('not_configured');
    expect(error.message).toBe('voyage_embed is not configured: set AOS_VOYAGE_API_KEY');
  });

  it('refuses a wrong key for good', async () => {
    const error = await failure(embed({ input: 'x' }, { AOS_VOYAGE_API_KEY: 'nope' }));
    expect(error).toMatchObject({ category: 'http_client_error', retryable: false });
  });
});
