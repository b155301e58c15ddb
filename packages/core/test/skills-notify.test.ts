import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSkillContext,
  startHttpPeer,
  startSmtpPeer,
  type HttpPeer,
  type PeerRequest,
  type SmtpPeer,
} from '@aos/testkit';
import { emailSendSkill, SkillError, slackSendSkill, webhookSendSkill, type SkillEnv } from '../src/skills/index';

async function failure(promise: Promise<unknown>): Promise<SkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SkillError);
    return error as SkillError;
  }
  throw new Error('expected the skill to fail');
}

const SECRET = 'whsec-test-0123456789';

// What a receiver does: recompute the HMAC over the raw body and compare in constant time.
function verifySignature(request: PeerRequest, secret: string): boolean {
  const header = String(request.headers['x-aos-signature'] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`;
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

describe('webhook_send', () => {
  let peer: HttpPeer;
  let env: SkillEnv;
  const send = (input: unknown, overrides: SkillEnv = {}, runId = 'run-1') =>
    webhookSendSkill.execute(
      webhookSendSkill.inputSchema.parse(input),
      createSkillContext({ env: { ...env, ...overrides }, runId }),
    );

  beforeAll(async () => {
    peer = await startHttpPeer({
      routes: {
        'POST /hook': (request) =>
          verifySignature(request, SECRET) ? { body: 'accepted' } : { status: 401, body: 'bad signature' },
        'POST /down': { status: 502, body: 'bad gateway' },
      },
    });
    env = { AOS_HTTP_ALLOW_HOSTS: peer.hostPort };
  });
  afterAll(async () => {
    await peer.close();
  });

  it('posts JSON the receiver can verify with the shared secret', async () => {
    const result = await send({
      url: `${peer.url}/hook`,
      payload: { event: 'run.finished', ok: true },
      secret: SECRET,
    });
    expect(result.outcomeCode).toBe('DELIVERED');
    expect(result.output).toMatchObject({ status: 200, response: 'accepted' });
    const received = peer.requests.at(-1);
    expect(received?.json()).toEqual({ event: 'run.finished', ok: true });
    expect(received?.headers['content-type']).toBe('application/json');
    expect(Math.abs(Number(received?.headers['x-aos-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(JSON.stringify(result.output)).not.toContain(SECRET);
  });

  it('takes the secret from AOS_WEBHOOK_SECRET', async () => {
    const result = await send({ url: `${peer.url}/hook`, payload: [1, 2] }, { AOS_WEBHOOK_SECRET: SECRET });
    expect(result.output.status).toBe(200);
  });

  it('is refused by the receiver under another secret', async () => {
    const error = await failure(send({ url: `${peer.url}/hook`, payload: {}, secret: 'other-secret' }));
    expect(error).toMatchObject({ category: 'http_client_error', retryable: false, outcomeCode: 'HTTP_401' });
  });

  it('keeps the delivery id of a step across attempts', async () => {
    const first = await send({ url: `${peer.url}/hook`, payload: { n: 1 }, secret: SECRET }, {}, 'run-x');
    const again = await send({ url: `${peer.url}/hook`, payload: { n: 1 }, secret: SECRET }, {}, 'run-x');
    expect(again.output.delivery_id).toBe(first.output.delivery_id);
    expect(peer.requests.at(-1)?.headers['x-aos-delivery']).toBe(first.output.delivery_id);
  });

  it('lets a 5xx be retried', async () => {
    const error = await failure(send({ url: `${peer.url}/down`, payload: {}, secret: SECRET }));
    expect(error).toMatchObject({ category: 'http_server_error', retryable: true });
  });

  it('is not_configured without any secret', async () => {
    const error = await failure(send({ url: `${peer.url}/hook`, payload: {} }));
    expect(error.category).toBe('not_configured');
    expect(error.message).toBe('webhook_send is not configured: set AOS_WEBHOOK_SECRET or pass params.secret');
  });
});

describe('slack_send', () => {
  let slack: HttpPeer;
  let env: SkillEnv;
  const hookPath = '/services/T000/B000/XXXXSECRET';
  const send = (input: unknown, overrides: SkillEnv = {}) =>
    slackSendSkill.execute(
      slackSendSkill.inputSchema.parse(input),
      createSkillContext({ env: { ...env, ...overrides } }),
    );

  beforeAll(async () => {
    slack = await startHttpPeer({
      routes: {
        [`POST ${hookPath}`]: (request) => {
          const body = request.json<{ text?: unknown }>();
          return typeof body.text === 'string' ? { body: 'ok' } : { status: 400, body: 'invalid_payload' };
        },
        // What Slack answers for a revoked or mistyped webhook.
        'POST /services/T000/B000/WRONG': { status: 404, body: 'no_service' },
      },
    });
    env = { AOS_SLACK_WEBHOOK_URL: `${slack.url}${hookPath}`, AOS_HTTP_ALLOW_HOSTS: slack.hostPort };
  });
  afterAll(async () => {
    await slack.close();
  });

  it('posts the Slack incoming-webhook payload', async () => {
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Run finished*' } }];
    const result = await send({ text: 'Run finished', blocks, channel: '#ops' });
    expect(result).toMatchObject({ outcomeCode: 'SENT', output: { status: 200, response: 'ok' } });
    expect(slack.requests.at(-1)?.json()).toEqual({ text: 'Run finished', blocks, channel: '#ops' });
  });

  it('takes the webhook URL from params, and never sends it in the body', async () => {
    await send({ text: 'hi', webhook_url: `${slack.url}${hookPath}` }, { AOS_SLACK_WEBHOOK_URL: undefined });
    expect(slack.requests.at(-1)?.json()).toEqual({ text: 'hi' });
  });

  it('fails for good on a Slack 4xx without leaking the webhook path', async () => {
    const error = await failure(
      send({ text: 'x' }, { AOS_SLACK_WEBHOOK_URL: `${slack.url}/services/T000/B000/WRONG` }),
    );
    expect(error).toMatchObject({ category: 'http_client_error', retryable: false, outcomeCode: 'HTTP_404' });
    expect(error.message).toBe(`the Slack webhook answered HTTP 404: no_service`);
  });

  it('keeps the webhook path out of connection errors', async () => {
    const closed = await startHttpPeer();
    await closed.close();
    const error = await failure(
      send({ text: 'x' }, { AOS_SLACK_WEBHOOK_URL: `${closed.url}${hookPath}`, AOS_HTTP_ALLOW_HOSTS: closed.hostPort }),
    );
    expect(error).toMatchObject({ category: 'network', retryable: true });
    expect(error.message).not.toContain('XXXXSECRET');
  });

  it('is not_configured without a webhook URL', async () => {
    const error = await failure(send({ text: 'x' }, { AOS_SLACK_WEBHOOK_URL: undefined }));
    expect(error.message).toBe('slack_send is not configured: set AOS_SLACK_WEBHOOK_URL or pass params.webhook_url');
  });
});

describe('email_send over SMTP', () => {
  let smtp: SmtpPeer;
  let env: SkillEnv;
  const send = (input: unknown, overrides: SkillEnv = {}) =>
    emailSendSkill.execute(
      emailSendSkill.inputSchema.parse(input),
      createSkillContext({ env: { ...env, ...overrides } }),
    );

  beforeAll(async () => {
    smtp = await startSmtpPeer({ auth: { user: 'aos', pass: 'p@ss word' } });
    env = { AOS_SMTP_URL: smtp.url, AOS_SMTP_FROM: 'aos@example.com', AOS_HTTP_ALLOW_HOSTS: smtp.hostPort };
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('delivers a message with the right envelope and headers', async () => {
    const result = await send({
      to: ['ops@example.com', 'dev@example.com'],
      subject: 'Run 42 finished',
      text: 'All good.',
    });
    expect(result.outcomeCode).toBe('SENT');
    expect(result.output).toMatchObject({ accepted: ['ops@example.com', 'dev@example.com'], rejected: [] });
    expect(result.output.message_id).toMatch(/^<.+@.+>$/);
    const mail = smtp.messages.at(-1);
    expect(mail).toMatchObject({ from: 'aos@example.com', to: ['ops@example.com', 'dev@example.com'], user: 'aos' });
    expect(mail?.headers.from).toBe('aos@example.com');
    expect(mail?.headers.to).toBe('ops@example.com, dev@example.com');
    expect(mail?.headers.subject).toBe('Run 42 finished');
    expect(mail?.headers['message-id']).toBe(result.output.message_id);
    expect(mail?.raw).toContain('All good.');
  });

  it('uses params.from over AOS_SMTP_FROM', async () => {
    await send(
      { to: 'ops@example.com', from: 'bot@example.org', subject: 's', html: '<p>hi</p>' },
      { AOS_SMTP_FROM: undefined },
    );
    expect(smtp.messages.at(-1)?.headers.from).toBe('bot@example.org');
  });

  it('applies the network policy to the SMTP host', async () => {
    const before = smtp.messages.length;
    const error = await failure(
      send({ to: 'ops@example.com', subject: 's', text: 't' }, { AOS_HTTP_ALLOW_HOSTS: undefined }),
    );
    expect(error).toMatchObject({ category: 'policy', retryable: false });
    expect(error.message).toMatch(/127\.0\.0\.1:\d+: 127\.0\.0\.1 is a loopback address/);
    expect(smtp.messages.length).toBe(before);
  });

  it('fails for good on bad credentials', async () => {
    const url = smtp.url.replace('p%40ss%20word', 'wrong');
    const error = await failure(send({ to: 'ops@example.com', subject: 's', text: 't' }, { AOS_SMTP_URL: url }));
    expect(error).toMatchObject({ category: 'backend', retryable: false });
  });

  it('is not_configured without AOS_SMTP_URL or a sender', async () => {
    const noUrl = await failure(send({ to: 'ops@example.com', subject: 's', text: 't' }, { AOS_SMTP_URL: undefined }));
    expect(noUrl.message).toBe('email_send is not configured: set AOS_SMTP_URL');
    const noFrom = await failure(
      send({ to: 'ops@example.com', subject: 's', text: 't' }, { AOS_SMTP_FROM: undefined }),
    );
    expect(noFrom.message).toBe('email_send is not configured: set AOS_SMTP_FROM or pass params.from');
  });

  it('refuses header injection and bad addresses in the schema', () => {
    expect(() =>
      emailSendSkill.inputSchema.parse({ to: 'a@example.com', subject: 'x\r\nBcc: b@example.com', text: 't' }),
    ).toThrow(/single line/);
    expect(() => emailSendSkill.inputSchema.parse({ to: 'not an address', subject: 'x', text: 't' })).toThrow();
    expect(() => emailSendSkill.inputSchema.parse({ to: 'a@example.com', subject: 'x' })).toThrow(/text, html or both/);
  });
});
