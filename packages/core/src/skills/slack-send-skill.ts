import { z } from 'zod';
import { bodyExcerpt, httpRequest, httpStatusError } from './http-client';
import { notConfigured, readSetting } from './skill-env';
import { boundedString, httpUrlString, strictParams } from './skill-schema';
import { defineSkill } from './skill-types';

const slackSendInput = strictParams({
  text: boundedString(40_000),
  blocks: z.array(z.record(z.string(), z.json())).max(50).optional(),
  channel: boundedString(200).optional(),
  username: boundedString(200).optional(),
  icon_emoji: boundedString(100).optional(),
  thread_ts: boundedString(100).optional(),
  webhook_url: httpUrlString().optional(),
});

/** Params of slack_send. */
export type SlackSendInput = z.infer<typeof slackSendInput>;

/**
 * `slack_send`: posts a message to a Slack incoming webhook (`params.webhook_url` or
 * AOS_SLACK_WEBHOOK_URL) as `{text, blocks?, channel?, username?, icon_emoji?, thread_ts?}`.
 * Slack answers 200 "ok"; its 4xx answers (invalid_payload, no_service, …) fail the step
 * for good, 5xx and 429 are retryable. The webhook URL is a credential: it is redacted from
 * stored params and never in the output.
 *
 * @example
 * ```ts
 * await slackSendSkill.execute(slackSendSkill.inputSchema.parse({ text: 'Run finished' }), ctx)
 * // output: { status: 200, response: 'ok' }
 * ```
 */
export const slackSendSkill = defineSkill({
  name: 'slack_send',
  version: '1.0.0',
  description:
    'Posts a message (text, optional blocks) to a Slack incoming webhook (params.webhook_url or AOS_SLACK_WEBHOOK_URL).',
  inputSchema: slackSendInput,
  deterministic: false,
  sideEffects: true,
  network: true,
  defaultTimeoutMs: 15_000,
  estimateCostCents: () => 0,
  async execute(input, ctx) {
    const url = input.webhook_url ?? readSetting(ctx.env, 'AOS_SLACK_WEBHOOK_URL');
    if (url === undefined) throw notConfigured('slack_send', 'set AOS_SLACK_WEBHOOK_URL or pass params.webhook_url');
    let host: string;
    try {
      host = new URL(url).host;
    } catch {
      // Never echo the value: a webhook URL is a credential.
      throw notConfigured('slack_send', 'AOS_SLACK_WEBHOOK_URL must be an absolute https:// URL');
    }
    const { webhook_url: _url, ...message } = input;
    const response = await httpRequest({
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(message),
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      env: ctx.env,
      // The webhook path is the credential: keep it out of error messages.
      label: `POST to the Slack webhook at ${host}`,
    });
    const failure = httpStatusError(response, 'the Slack webhook');
    if (failure) throw failure;
    return {
      output: { status: response.status, response: bodyExcerpt(response, 200) },
      costCents: 0,
      outcomeCode: 'SENT',
    };
  },
});
