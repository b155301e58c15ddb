import { z } from 'zod';
import { httpRequest, httpStatusError } from './http-client';
import { readNumberSetting, readSetting, requireBaseUrl, roundCents } from './skill-env';
import { boundedString, strictParams, truncate } from './skill-schema';
import { defineSkill, SkillError, type SkillEnv } from './skill-types';

/** Model used when neither the params nor AOS_LLM_MODEL name one. */
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
/** Cents per 1 000 tokens (prompt + completion) when AOS_LLM_PRICE_CENTS_PER_1K_TOKENS is unset. */
export const DEFAULT_LLM_PRICE_CENTS_PER_1K_TOKENS = 0.2;
/** Completion tokens assumed by the estimate when the params set no max_tokens. */
export const LLM_ESTIMATE_DEFAULT_MAX_TOKENS = 1024;
// Chat answers are needed whole (a cut JSON document is useless), so they get their own cap.
const LLM_MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

const message = z
  .object({
    role: z.enum(['system', 'user', 'assistant']),
    content: boundedString(200_000, { allowEmpty: true }),
  })
  .strict();

const llmInvokeInput = strictParams({
  prompt: boundedString(200_000).optional(),
  system: boundedString(50_000).optional(),
  messages: z.array(message).min(1).max(200).optional(),
  model: boundedString(200).optional(),
  max_tokens: z.number().int().min(1).max(128_000).optional(),
  temperature: z.number().min(0).max(2).optional(),
}).superRefine((input, ctx) => {
  if ((input.prompt === undefined) === (input.messages === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'give exactly one of prompt or messages' });
  }
  if (input.system !== undefined && input.messages !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['system'],
      message: 'system goes with prompt; with messages, add a system message',
    });
  }
});

/** Params of llm_invoke. */
export type LlmInvokeInput = z.infer<typeof llmInvokeInput>;

const chatCompletion = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional() }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative().optional(),
      total_tokens: z.number().int().nonnegative().optional(),
    })
    .optional(),
});

function chatMessages(input: LlmInvokeInput): { role: string; content: string }[] {
  if (input.messages) return input.messages;
  return [
    ...(input.system ? [{ role: 'system', content: input.system }] : []),
    { role: 'user', content: input.prompt ?? '' },
  ];
}

/** Rough token count of text (~4 characters a token), for estimates and for answers without `usage`. */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function pricePer1k(env: SkillEnv): number {
  return readNumberSetting(env, 'AOS_LLM_PRICE_CENTS_PER_1K_TOKENS', DEFAULT_LLM_PRICE_CENTS_PER_1K_TOKENS, {
    min: 0,
    max: 1_000_000,
  });
}

/**
 * Estimated cents of one call: (prompt characters / 4 + max_tokens, or 1024 without it) tokens
 * at the price of `env` (the default price when `env` is not given or its price is invalid).
 */
export function estimateLlmCostCents(input: LlmInvokeInput, env: SkillEnv = {}): number {
  const promptTokens = chatMessages(input).reduce((sum, m) => sum + approximateTokens(m.content), 0);
  const tokens = promptTokens + (input.max_tokens ?? LLM_ESTIMATE_DEFAULT_MAX_TOKENS);
  let price = DEFAULT_LLM_PRICE_CENTS_PER_1K_TOKENS;
  try {
    price = pricePer1k(env);
  } catch {
    // A bad price setting fails the step itself with a clear message; the estimate stays usable.
  }
  return roundCents((tokens / 1000) * price);
}

/**
 * `llm_invoke`: one OpenAI-compatible chat completion, `POST ${AOS_LLM_BASE_URL}/chat/completions`
 * with `Authorization: Bearer ${AOS_LLM_API_KEY}` (no header when the key is unset — local
 * servers need none). Output `{content, model, finish_reason, usage}`; the result carries
 * tokens, model and cost = total_tokens / 1000 × AOS_LLM_PRICE_CENTS_PER_1K_TOKENS (default 0.2).
 *
 * @example
 * ```ts
 * await llmInvokeSkill.execute(llmInvokeSkill.inputSchema.parse({ prompt: 'Say hi' }), ctx)
 * // output: { content: 'Hi!', model: 'gpt-4o-mini', usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } }
 * ```
 */
export const llmInvokeSkill = defineSkill({
  name: 'llm_invoke',
  version: '1.0.0',
  description:
    'OpenAI-compatible chat completion (AOS_LLM_BASE_URL, AOS_LLM_API_KEY, AOS_LLM_MODEL); records tokens and cost.',
  inputSchema: llmInvokeInput,
  deterministic: false,
  sideEffects: false,
  network: true,
  defaultTimeoutMs: 120_000,
  estimateCostCents: (input, env) => estimateLlmCostCents(input, env),
  async execute(input, ctx) {
    const baseUrl = requireBaseUrl(ctx.env, 'llm_invoke', 'AOS_LLM_BASE_URL');
    const price = pricePer1k(ctx.env);
    const apiKey = readSetting(ctx.env, 'AOS_LLM_API_KEY');
    const model = input.model ?? readSetting(ctx.env, 'AOS_LLM_MODEL') ?? DEFAULT_LLM_MODEL;
    const messages = chatMessages(input);
    const request = {
      model,
      messages,
      ...(input.max_tokens !== undefined ? { max_tokens: input.max_tokens } : {}),
      ...(input.temperature !== undefined ? { temperature: input.temperature } : {}),
    };
    const response = await httpRequest({
      url: `${baseUrl}/chat/completions`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: JSON.stringify(request),
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      env: ctx.env,
      maxBytes: LLM_MAX_RESPONSE_BYTES,
    });
    const failure = httpStatusError(response, 'the LLM endpoint');
    if (failure) throw failure;
    const parsed = chatCompletion.safeParse(response.body);
    if (response.bodyKind !== 'json' || !parsed.success) {
      throw new SkillError(
        'backend',
        `the LLM endpoint answered something that is not a chat completion: ${truncate(response.text.replace(/\s+/g, ' '), 200)}`,
        { retryable: false, outcomeCode: 'INVALID_RESPONSE', output: { status: response.status } },
      );
    }
    const choice = parsed.data.choices[0];
    const content = choice?.message.content ?? '';
    // Without `usage`, count approximately rather than record a free call.
    const promptTokens =
      parsed.data.usage?.prompt_tokens ?? messages.reduce((sum, m) => sum + approximateTokens(m.content), 0);
    const completionTokens =
      parsed.data.usage?.completion_tokens ??
      (parsed.data.usage?.total_tokens !== undefined
        ? Math.max(0, parsed.data.usage.total_tokens - promptTokens)
        : approximateTokens(content));
    const totalTokens = parsed.data.usage?.total_tokens ?? promptTokens + completionTokens;
    const answeredModel = parsed.data.model ?? model;
    return {
      output: {
        content,
        model: answeredModel,
        finish_reason: choice?.finish_reason ?? null,
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: totalTokens },
        usage_estimated: parsed.data.usage === undefined,
      },
      costCents: roundCents((totalTokens / 1000) * price),
      tokens: totalTokens,
      model: answeredModel,
      outcomeCode: 'COMPLETED',
    };
  },
});
