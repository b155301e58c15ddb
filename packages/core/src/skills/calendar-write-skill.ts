import { createHash } from 'node:crypto';
import { z } from 'zod';
import { httpRequest, httpStatusError } from './http-client';
import { buildICalendar } from './icalendar';
import { readSetting, requireBaseUrl } from './skill-env';
import { boundedString, strictParams } from './skill-schema';
import { defineSkill, SkillError } from './skill-types';

const instant = z.iso.datetime({ offset: true });

const calendarWriteInput = strictParams({
  summary: boundedString(1000),
  start: instant,
  end: instant,
  description: boundedString(20_000, { allowEmpty: true }).optional(),
  location: boundedString(1000, { allowEmpty: true }).optional(),
  uid: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9@._-]{0,199}$/, 'must be 1-200 letters, digits, @ . _ - (it becomes the file name)')
    .optional(),
}).superRefine((input, ctx) => {
  if (Date.parse(input.end) <= Date.parse(input.start)) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  }
});

/** Params of calendar_write. */
export type CalendarWriteInput = z.infer<typeof calendarWriteInput>;

/**
 * `calendar_write`: creates one event on a CalDAV collection: `PUT ${AOS_CALDAV_URL}/<uid>.ics`
 * with an RFC 5545 VCALENDAR/VEVENT (UTC times, CRLF, escaped text), `If-None-Match: *` (never
 * overwrites) and basic auth from AOS_CALDAV_USERNAME / AOS_CALDAV_PASSWORD when set. Without
 * `uid` the uid is derived from tenant, run, summary, start and end, so a retried step targets
 * the same resource: a 412 on a retry (attempt > 1) means an earlier attempt whose answer was
 * lost already created it (success, `created: false`); a 412 on a first attempt is a conflict
 * (non-retryable).
 * Output `{uid, href, etag, created}`.
 *
 * @example
 * ```ts
 * await calendarWriteSkill.execute(calendarWriteSkill.inputSchema.parse({
 *   summary: 'Review', start: '2026-03-01T09:00:00Z', end: '2026-03-01T10:00:00Z' }), ctx)
 * // output: { uid: 'aos-…', href: 'https://dav.example.com/cal/aos-….ics', etag: '"…"', created: true }
 * ```
 */
export const calendarWriteSkill = defineSkill({
  name: 'calendar_write',
  version: '1.0.0',
  description:
    'Creates an iCalendar (RFC 5545) event on a CalDAV collection (AOS_CALDAV_URL, AOS_CALDAV_USERNAME, AOS_CALDAV_PASSWORD).',
  inputSchema: calendarWriteInput,
  deterministic: false,
  sideEffects: true,
  network: true,
  defaultTimeoutMs: 30_000,
  estimateCostCents: () => 0,
  async execute(input, ctx) {
    const collection = requireBaseUrl(ctx.env, 'calendar_write', 'AOS_CALDAV_URL');
    const start = new Date(input.start);
    const end = new Date(input.end);
    const uid =
      input.uid ??
      `aos-${createHash('sha256')
        .update([ctx.tenantId, ctx.runId, input.summary, start.toISOString(), end.toISOString()].join('\n'))
        .digest('hex')
        .slice(0, 32)}`;
    const href = `${collection}/${encodeURIComponent(uid)}.ics`;
    const body = buildICalendar({
      uid,
      summary: input.summary,
      start,
      end,
      description: input.description,
      location: input.location,
      stamp: new Date(),
    });
    const username = readSetting(ctx.env, 'AOS_CALDAV_USERNAME');
    const password = ctx.env.AOS_CALDAV_PASSWORD ?? '';
    const response = await httpRequest({
      url: href,
      method: 'PUT',
      headers: {
        'content-type': 'text/calendar; charset=utf-8',
        'if-none-match': '*',
        ...(username !== undefined
          ? { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` }
          : {}),
      },
      body,
      timeoutMs: ctx.timeoutMs,
      signal: ctx.signal,
      env: ctx.env,
    });
    if (response.status === 412) {
      // Only a retryable failure leads to attempt 2, and that failure may have hidden our own PUT.
      if (ctx.attempt > 1) {
        return { output: { uid, href, etag: null, created: false }, costCents: 0, outcomeCode: 'ALREADY_EXISTS' };
      }
      throw new SkillError('http_client_error', `calendar_write: an event with uid ${uid} already exists at ${href}`, {
        retryable: false,
        outcomeCode: 'CALDAV_EXISTS',
        output: { status: 412, uid, href },
      });
    }
    const failure = httpStatusError(response, `the CalDAV server at ${new URL(href).host}`);
    if (failure) throw failure;
    return {
      output: { uid, href, etag: response.headers.etag ?? null, created: true },
      costCents: 0,
      outcomeCode: 'CREATED',
    };
  },
});
