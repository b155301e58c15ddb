import { createHash, createHmac } from 'node:crypto';
import type { z } from 'zod';
import { bodyExcerpt, httpRequest, httpStatusError } from './http-client';
import { notConfigured, readSetting } from './skill-env';
import { boundedJson, boundedString, httpUrlString, requestHeaders, strictParams } from './skill-schema';
import { defineSkill } from './skill-types';

/** Header carrying `sha256=<hex HMAC-SHA256(body, secret)>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'X-AOS-Signature';
/** Header carrying the sending time, Unix seconds. */
export const WEBHOOK_TIMESTAMP_HEADER = 'X-AOS-Timestamp';
/** Header carrying an id that stays the same across retries of one step, for de-duplication. */
export const WEBHOOK_DELIVERY_HEADER = 'X-AOS-Delivery';

const webhookSendInput = strictParams({
  url: httpUrlString(),
  payload: boundedJson(1024 * 1024),
  secret: boundedString(4096).optional(),
  headers: requestHeaders().optional(),
});

/** Params of webhook_send. */
export type WebhookSendInput = z.infer<typeof webhookSendInput>;

/**
 * The signature header value of `body` under `secret`: `sha256=` + hex HMAC-SHA256. Receivers
 * compute the same over the raw body they got and compare in constant time.
 *
 * @example
 * ```ts
 * signWebhookBody('{"a":1}', 'shh') // 'sha256=…64 hex…'
 * ```
 */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/**
 * `webhook_send`: POSTs `payload` as JSON to `url` with `X-AOS-Signature: sha256=<hex HMAC-SHA256(body, secret)>`,
 * `X-AOS-Timestamp` and `X-AOS-Delivery` (the same on every retry of the step). The secret is
 * `params.secret` or AOS_WEBHOOK_SECRET and never appears in the output. Status classification
 * as http_call; delivery is at-least-once, so receivers should de-duplicate on X-AOS-Delivery.
 *
 * @example
 * ```ts
 * await webhookSendSkill.execute(webhookSendSkill.inputSchema.parse({ url: 'https://hooks.example.com/aos', payload: { done: true } }), ctx)
 * // output: { status: 200, delivery_id: '…', timestamp: 1760000000, response: 'ok' }
 * ```
 */
export const webhookSendSkill = defineSkill({
  name: 'webhook_send',
  version: '1.0.0',
  description:
    'JSON POST to a URL signed with HMAC-SHA256 (X-AOS-Signature, X-AOS-Timestamp); secret from params or AOS_WEBHOOK_SECRET.',
  inputSchema: webhookSendInput,
  deterministic: false,
  sideEffects: true,
  network: true,
  defaultTimeoutMs: 15_000,
  estimateCostCents: () => 0,
  async execute(input, ctx) {
    const secret = input.secret ?? readSetting(ctx.env, 'AOS_WEBHOOK_SECRET');
    if (secret === undefined) throw notConfigured('webhook_send', 'set AOS_WEBHOOK_SECRET or pass params.secret');
    const body = JSON.stringify(input.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const deliveryId = createHash('sha256')
      .update(`${ctx.tenantId}\n${ctx.runId}\n${input.url}\n${body}`)
      .digest('hex')
      .slice(0, 32);
    const response = await httpRequest({
      url: input.url,
      method: 'POST',
      headers: {
        ...input.headers,
        'content-type': 'application/json',
        [WEBHOOK_SIGNATURE_HEADER]: signWebhookBody(body, secret),
        [WEBHOOK_TIMESTAMP_HEADER]: String(timestamp),
        [WEBHOOK_DELIVERY_HEADER]: deliveryId,
      },
      body,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      env: ctx.env,
    });
    const failure = httpStatusError(response, `the webhook at ${new URL(input.url).host}`);
    if (failure) throw failure;
    return {
      output: { status: response.status, delivery_id: deliveryId, timestamp, response: bodyExcerpt(response) },
      costCents: 0,
      outcomeCode: 'DELIVERED',
    };
  },
});
