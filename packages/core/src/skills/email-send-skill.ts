import { isIP } from 'node:net';
import { z } from 'zod';
import type { JsonValue } from '../db/schema';
import { normalizeHost, resolveAllowedHost } from './network-policy';
import { notConfigured, readSetting, requireSetting } from './skill-env';
import { boundedString, singleLineString, strictParams } from './skill-schema';
import { defineSkill, SkillError } from './skill-types';

const address = z.email().max(320);
const recipients = z.union([address, z.array(address).min(1).max(50)]);

const emailSendInput = strictParams({
  to: recipients,
  cc: recipients.optional(),
  bcc: recipients.optional(),
  subject: singleLineString(998),
  text: boundedString(1_000_000, { allowEmpty: true }).optional(),
  html: boundedString(1_000_000, { allowEmpty: true }).optional(),
  from: address.optional(),
  reply_to: address.optional(),
}).superRefine((input, ctx) => {
  if (input.text === undefined && input.html === undefined) {
    ctx.addIssue({ code: 'custom', path: ['text'], message: 'give text, html or both' });
  }
});

/** Params of email_send. */
export type EmailSendInput = z.infer<typeof emailSendInput>;

/** What AOS_SMTP_URL says: `smtp://[user:pass@]host[:port]` (STARTTLS when offered, default port 587) or `smtps://…` (TLS, 465). */
export interface SmtpSettings {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly pass: string | undefined;
}

/** Parses AOS_SMTP_URL; a malformed value is a `not_configured` error that does not echo the password. */
export function parseSmtpUrl(raw: string): SmtpSettings {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw notConfigured('email_send', 'AOS_SMTP_URL must look like smtp://user:pass@host:port');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw notConfigured('email_send', `AOS_SMTP_URL must use smtp:// or smtps://, not ${url.protocol}//`);
  }
  if (!url.hostname) throw notConfigured('email_send', 'AOS_SMTP_URL has no host');
  const secure = url.protocol === 'smtps:';
  return {
    secure,
    host: normalizeHost(url.hostname),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    pass: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

function list(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function addresses(items: unknown): string[] {
  if (!Array.isArray(items)) return [];
  return items.map((item) => {
    if (typeof item === 'string') return item;
    const address = (item as { address?: unknown }).address;
    return typeof address === 'string' ? address : '';
  });
}

function classifySmtpError(error: unknown): SkillError {
  if (error instanceof SkillError) return error;
  const { code, responseCode, message } = error as { code?: string; responseCode?: number; message?: string };
  const text = `email_send failed: ${message ?? String(error)}`;
  if (typeof responseCode === 'number' && responseCode >= 400) {
    // SMTP 4yz replies are transient by definition, 5yz permanent.
    return new SkillError('backend', text, {
      retryable: responseCode < 500,
      outcomeCode: `SMTP_${responseCode}`,
      cause: error,
    });
  }
  if (code === 'EAUTH') {
    return new SkillError('backend', `${text} (check the credentials in AOS_SMTP_URL)`, {
      retryable: false,
      outcomeCode: 'SMTP_AUTH_FAILED',
      cause: error,
    });
  }
  if (code === 'ETLS')
    return new SkillError('network', text, { retryable: false, outcomeCode: 'TLS_ERROR', cause: error });
  if (
    code &&
    ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPROTOCOL'].includes(code)
  ) {
    return new SkillError('network', text, { retryable: true, outcomeCode: 'NETWORK_ERROR', cause: error });
  }
  return new SkillError('backend', text, { retryable: false, outcomeCode: 'SMTP_ERROR', cause: error });
}

/**
 * `email_send`: sends one message over SMTP (nodemailer) through AOS_SMTP_URL, from `params.from`
 * or AOS_SMTP_FROM. The SMTP host is subject to the network policy like any HTTP target
 * (AOS_HTTP_ALLOW_HOSTS lists `host:port` to allow a private one); it is resolved and checked
 * once and the connection goes to that checked address (TLS still verifies the host name).
 * Output `{message_id, accepted, rejected, response}`. SMTP 4xx replies and connection
 * failures are retryable; 5xx replies and authentication failures are not.
 *
 * @example
 * ```ts
 * await emailSendSkill.execute(emailSendSkill.inputSchema.parse({ to: 'ops@example.com', subject: 'Done', text: 'Run ok' }), ctx)
 * // output: { message_id: '<…@…>', accepted: ['ops@example.com'], rejected: [], response: '250 OK' }
 * ```
 */
export const emailSendSkill = defineSkill({
  name: 'email_send',
  version: '1.0.0',
  description:
    'Sends an email over SMTP (AOS_SMTP_URL, default sender AOS_SMTP_FROM); the SMTP host obeys the network policy.',
  inputSchema: emailSendInput,
  deterministic: false,
  sideEffects: true,
  network: true,
  defaultTimeoutMs: 30_000,
  estimateCostCents: () => 0,
  async execute(input, ctx) {
    const smtp = parseSmtpUrl(requireSetting(ctx.env, 'email_send', 'AOS_SMTP_URL'));
    const from = input.from ?? readSetting(ctx.env, 'AOS_SMTP_FROM');
    if (from === undefined) throw notConfigured('email_send', 'set AOS_SMTP_FROM or pass params.from');
    const connectTo = await resolveAllowedHost(smtp.host, smtp.port, ctx.env);
    // Loaded on first use: the CLIs import @aos/core and most commands never send mail.
    const { createTransport } = await import('nodemailer');
    const transporter = createTransport({
      host: connectTo,
      port: smtp.port,
      secure: smtp.secure,
      // Connecting to the checked IP must not weaken TLS: verify the certificate for the name.
      ...(connectTo !== smtp.host && isIP(smtp.host) === 0 ? { servername: smtp.host } : {}),
      ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
      connectionTimeout: Math.min(10_000, ctx.timeoutMs),
      greetingTimeout: Math.min(10_000, ctx.timeoutMs),
      socketTimeout: ctx.timeoutMs,
    });
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => {
        transporter.close();
        reject(
          new SkillError('timeout', "email_send was aborted: the attempt's time ran out", {
            retryable: true,
            outcomeCode: 'TIMEOUT',
          }),
        );
      };
      if (ctx.signal.aborted) onAbort();
      else ctx.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const info = await Promise.race([
        transporter.sendMail({
          from,
          to: list(input.to),
          cc: list(input.cc),
          bcc: list(input.bcc),
          replyTo: input.reply_to,
          subject: input.subject,
          text: input.text,
          html: input.html,
          // Params never make nodemailer read a local file or fetch a URL.
          disableFileAccess: true,
          disableUrlAccess: true,
        }),
        aborted,
      ]);
      const output: { [key: string]: JsonValue } = {
        message_id: info.messageId,
        accepted: addresses(info.accepted),
        rejected: addresses(info.rejected),
        response: typeof info.response === 'string' ? info.response : '',
      };
      return { output, costCents: 0, outcomeCode: 'SENT' };
    } catch (error) {
      throw classifySmtpError(error);
    } finally {
      if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
      transporter.close();
    }
  },
});
