import { z } from 'zod';
import { httpRequest, httpStatusError } from './http-client';
import { approximateTokens, conservativeTokens } from './llm-invoke-skill';
import { ceilCents, readNumberSetting, readSetting, requireBaseUrl, requireSetting, roundCents } from './skill-env';
import { boundedString, strictParams, truncate } from './skill-schema';
import { defineSkill, SkillError, type SkillEnv } from './skill-types';

/** The public Voyage AI API, used when AOS_VOYAGE_BASE_URL is unset. */
export const DEFAULT_VOYAGE_BASE_URL = 'https://api.voyageai.com/v1';
/** Model used when neither the params nor AOS_VOYAGE_MODEL name one. */
export const DEFAULT_VOYAGE_MODEL = 'voyage-3.5';
/** Cents per 1 000 input tokens when AOS_VOYAGE_PRICE_CENTS_PER_1K_TOKENS is unset ($0.06 per million). */
export const DEFAULT_VOYAGE_PRICE_CENTS_PER_1K_TOKENS = 0.006;
// 128 vectors of 2048 floats are ~5 MB of JSON; the answer is needed whole.
const VOYAGE_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

const voyageEmbedInput = strictParams({
  input: z.union([boundedString(32_000), z.array(boundedString(32_000)).min(1).max(128)]),
  model: boundedString(200).optional(),
  input_type: z.enum(['query', 'document']).optional(),
});

/** Params of voyage_embed. */
export type VoyageEmbedInput = z.infer<typeof voyageEmbedInput>;

const embeddingsAnswer = z.object({
  data: z.array(z.object({ embedding: z.array(z.number()), index: z.number().int().nonnegative() })).min(1),
  model: z.string().optional(),
  usage: z.object({ total_tokens: z.number().int().nonnegative() }).optional(),
});

function inputs(input: VoyageEmbedInput): string[] {
  return typeof input.input === 'string' ? [input.input] : input.input;
}

function pricePer1k(env: SkillEnv): number {
  return readNumberSetting(env, 'AOS_VOYAGE_PRICE_CENTS_PER_1K_TOKENS', DEFAULT_VOYAGE_PRICE_CENTS_PER_1K_TOKENS, {
    min: 0,
    max: 1_000_000,
  });
}

/**
 * `voyage_embed`: embeddings from a Voyage-compatible API, `POST ${AOS_VOYAGE_BASE_URL}/embeddings`
 * (default https://api.voyageai.com/v1) with `{input: [...], model}` and `Bearer AOS_VOYAGE_API_KEY`
 * (required). Output `{embeddings: number[][] in input order, model, usage: {total_tokens}}`;
 * cost = total_tokens / 1000 × AOS_VOYAGE_PRICE_CENTS_PER_1K_TOKENS (default 0.006).
 *
 * @example
 * ```ts
 * await voyageEmbedSkill.execute(voyageEmbedSkill.inputSchema.parse({ input: ['a', 'b'] }), ctx)
 * // output: { embeddings: [[…], […]], model: 'voyage-3.5', usage: { total_tokens: 2 } }
 * ```
 */
export const voyageEmbedSkill = defineSkill({
  name: 'voyage_embed',
  version: '1.0.0',
  description:
    'Text embeddings over a Voyage-compatible HTTP API (AOS_VOYAGE_BASE_URL, AOS_VOYAGE_API_KEY, AOS_VOYAGE_MODEL).',
  inputSchema: voyageEmbedInput,
  deterministic: false,
  sideEffects: false,
  network: true,
  defaultTimeoutMs: 60_000,
  estimateCostCents(input, env = {}) {
    // Reserved before the call: a reported usage above it halts the run (README, "Budgets").
    const tokens = inputs(input).reduce((sum, text) => sum + conservativeTokens(text), 0);
    let price = DEFAULT_VOYAGE_PRICE_CENTS_PER_1K_TOKENS;
    try {
      price = pricePer1k(env);
    } catch {
      // A bad price setting fails the step itself with a clear message.
    }
    return ceilCents((tokens / 1000) * price);
  },
  async execute(input, ctx) {
    const baseUrl = requireBaseUrl(ctx.env, 'voyage_embed', 'AOS_VOYAGE_BASE_URL', DEFAULT_VOYAGE_BASE_URL);
    const apiKey = requireSetting(ctx.env, 'voyage_embed', 'AOS_VOYAGE_API_KEY');
    const price = pricePer1k(ctx.env);
    const model = input.model ?? readSetting(ctx.env, 'AOS_VOYAGE_MODEL') ?? DEFAULT_VOYAGE_MODEL;
    const texts = inputs(input);
    const response = await httpRequest({
      url: `${baseUrl}/embeddings`,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ input: texts, model, ...(input.input_type ? { input_type: input.input_type } : {}) }),
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      env: ctx.env,
      maxBytes: VOYAGE_MAX_RESPONSE_BYTES,
    });
    const failure = httpStatusError(response, 'the embeddings endpoint');
    if (failure) throw failure;
    const parsed = embeddingsAnswer.safeParse(response.body);
    const ordered = parsed.success ? [...parsed.data.data].sort((a, b) => a.index - b.index) : [];
    if (response.bodyKind !== 'json' || !parsed.success || ordered.length !== texts.length) {
      throw new SkillError(
        'backend',
        `the embeddings endpoint answered something that is not ${texts.length} embeddings: ${truncate(response.text.replace(/\s+/g, ' '), 200)}`,
        { retryable: false, outcomeCode: 'INVALID_RESPONSE', output: { status: response.status } },
      );
    }
    const totalTokens =
      parsed.data.usage?.total_tokens ?? texts.reduce((sum, text) => sum + approximateTokens(text), 0);
    const answeredModel = parsed.data.model ?? model;
    return {
      output: {
        embeddings: ordered.map((item) => item.embedding),
        model: answeredModel,
        usage: { total_tokens: totalTokens },
      },
      costCents: roundCents((totalTokens / 1000) * price),
      tokens: totalTokens,
      model: answeredModel,
      outcomeCode: 'EMBEDDED',
    };
  },
});
