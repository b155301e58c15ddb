import { z } from 'zod';
import { httpRequest, httpStatusError } from './http-client';
import { ceilCents, readNumberSetting, readSetting, requireBaseUrl, roundCents } from './skill-env';
import { boundedString, strictParams, truncate } from './skill-schema';
import { defineSkill, SkillError, type SkillEnv } from './skill-types';

/** Model used when neither the params nor AOS_LLM_MODEL name one. */
export const DEFAULT_LLM_MODEL = 'gpt-4o-mini';
/** Cents per 1 000 tokens (prompt + completion) when AOS_LLM_PRICE_CENTS_PER_1K_TOKENS is unset. */
export const DEFAULT_LLM_PRICE_CENTS_PER_1K_TOKENS = 0.2;
/** Completion tokens reserved (and sent as `max_tokens`) when the params set no max_tokens. */
export const LLM_ESTIMATE_DEFAULT_MAX_TOKENS = 1024;
// Chat templates wrap every message in role and separator tokens (3–5 on common models) and
// prime the answer with a few more; servers may add a default system preamble. Counted on top
// of the content so that short prompts are not under-reserved.
const PROMPT_TOKENS_PER_MESSAGE = 8;
const PROMPT_TOKENS_PER_REQUEST = 16;
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

/** Rough token count of text (~4 characters a token), for answers without `usage`. */
export function approximateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * Token count of text that tokenizers rarely exceed: UTF-8 bytes ÷ 3, rounded up (English runs
 * at about 4 bytes a token). A reported count above it is caught as an overrun (README, "Budgets").
 */
export function conservativeTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

/**
 * Prompt tokens reserved for these messages (docs/skills.md, `llm_invoke`: never below UTF-8 bytes ÷ 3): the
 * content at {@link conservativeTokens}, plus the chat template's tokens per message and per request.
 */
function estimatePromptTokens(messages: readonly { content: string }[]): number {
  return messages.reduce(
    (sum, m) => sum + conservativeTokens(m.content) + PROMPT_TOKENS_PER_MESSAGE,
    PROMPT_TOKENS_PER_REQUEST,
  );
}

function pricePer1k(env: SkillEnv): number {
  return readNumberSetting(env, 'AOS_LLM_PRICE_CENTS_PER_1K_TOKENS', DEFAULT_LLM_PRICE_CENTS_PER_1K_TOKENS, {
    min: 0,
    max: 1_000_000,
  });
}

/**
 * Estimated cents of one call, which the runner reserves: ({@link estimatePromptTokens} +
 * max_tokens, or 1024 without it) tokens at the price of `env` (the default price when `env` is
 * not given or its price is invalid), rounded up to a millionth of a cent.
 */
export function estimateLlmCostCents(input: LlmInvokeInput, env: SkillEnv = {}): number {
  const tokens = estimatePromptTokens(chatMessages(input)) + (input.max_tokens ?? LLM_ESTIMATE_DEFAULT_MAX_TOKENS);
  let price = DEFAULT_LLM_PRICE_CENTS_PER_1K_TOKENS;
  try {
    price = pricePer1k(env);
  } catch {
    // A bad price setting fails the step itself with a clear message; the estimate stays usable.
  }
  return ceilCents((tokens / 1000) * price);
}

/**
 * The `max_tokens` a call sends: the completion tokens that `reservedCents`, less the estimated
 * prompt, pays for at the price (completion tokens cost the one configured price), never more
 * than the params' max_tokens (1024 without it). Throws when the reservation cannot pay for one.
 */
function affordableMaxTokens(
  input: LlmInvokeInput,
  promptTokens: number,
  price: number,
  reservedCents: number,
): number {
  const wanted = input.max_tokens ?? LLM_ESTIMATE_DEFAULT_MAX_TOKENS;
  if (price === 0) return wanted;
  // The offset absorbs float noise: 0.2102c * 1000 / 0.2 is 1050.9999999999998, not 1051.
  const affordable = Math.floor((reservedCents * 1000) / price - promptTokens + 1e-6);
  if (affordable < 1) {
    throw new SkillError(
      'validation',
      `llm_invoke: the ${reservedCents}c reserved cannot pay for the prompt (${promptTokens} tokens estimated) and one answer token at ${price}c per 1k tokens`,
      { retryable: false, outcomeCode: 'RESERVATION_TOO_SMALL' },
    );
  }
  return Math.min(wanted, affordable);
}

/**
 * `llm_invoke`: one OpenAI-compatible chat completion, `POST ${AOS_LLM_BASE_URL}/chat/completions`
 * with `Authorization: Bearer ${AOS_LLM_API_KEY}` (no header when the key is unset — local
 * servers need none). The request always carries `max_tokens`: what the step's reservation
 * (`ctx.reservedCents`, else the skill's own estimate) pays for after the estimated prompt.
 * Output `{content, model, finish_reason, usage}`; the result carries tokens, model and
 * cost = total_tokens / 1000 × AOS_LLM_PRICE_CENTS_PER_1K_TOKENS (default 0.2), as reported.
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
    const promptEstimate = estimatePromptTokens(messages);
    const maxTokens = affordableMaxTokens(
      input,
      promptEstimate,
      price,
      ctx.reservedCents ?? estimateLlmCostCents(input, ctx.env),
    );
    const request = {
      model,
      messages,
      max_tokens: maxTokens,
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
    // Without `usage`, charge the prompt as reserved and the answer approximately (at most the
    // max_tokens asked for) rather than record a free call.
    const promptTokens = parsed.data.usage?.prompt_tokens ?? promptEstimate;
    const completionTokens =
      parsed.data.usage?.completion_tokens ??
      (parsed.data.usage?.total_tokens !== undefined
        ? Math.max(0, parsed.data.usage.total_tokens - promptTokens)
        : Math.min(approximateTokens(content), maxTokens));
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
