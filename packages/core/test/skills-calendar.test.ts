import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkillContext, startCalDavPeer, type CalDavPeer } from '@aos/testkit';
import { calendarWriteSkill, SkillError, type SkillEnv } from '../src/skills/index';

async function failure(promise: Promise<unknown>): Promise<SkillError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SkillError);
    return error as SkillError;
  }
  throw new Error('expected the skill to fail');
}

describe('calendar_write against a CalDAV peer', () => {
  let dav: CalDavPeer;
  let env: SkillEnv;
  const write = (input: unknown, options: { env?: SkillEnv; attempt?: number; runId?: string } = {}) =>
    calendarWriteSkill.execute(
      calendarWriteSkill.inputSchema.parse(input),
      createSkillContext({
        env: { ...env, ...options.env },
        attempt: options.attempt ?? 1,
        runId: options.runId ?? 'run-cal',
      }),
    );

  beforeAll(async () => {
    dav = await startCalDavPeer({ username: 'alice', password: 's3cret' });
    env = {
      AOS_CALDAV_URL: `${dav.collectionUrl}/`,
      AOS_CALDAV_USERNAME: 'alice',
      AOS_CALDAV_PASSWORD: 's3cret',
      AOS_HTTP_ALLOW_HOSTS: dav.hostPort,
    };
  });
  afterAll(async () => {
    await dav.close();
  });

  it('PUTs an RFC 5545 VEVENT and returns uid, href and etag', async () => {
    const result = await write({
      summary: 'Review: plan, budget; risks',
      start: '2026-03-01T10:00:00+01:00',
      end: '2026-03-01T11:30:00+01:00',
      description: 'Line one\nLine two',
      location: 'Room 4',
      uid: 'review-1@example.com',
    });
    expect(result.outcomeCode).toBe('CREATED');
    const href = `${dav.collectionUrl}/review-1%40example.com.ics`;
    const stored = dav.objects.get(new URL(href).pathname);
    expect(result.output).toEqual({ uid: 'review-1@example.com', href, etag: stored?.etag, created: true });

    const request = dav.requests.at(-1);
    expect(request?.method).toBe('PUT');
    expect(request?.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(request?.headers['if-none-match']).toBe('*');

    const body = stored?.body ?? '';
    expect(body.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(body.endsWith('END:VCALENDAR\r\n')).toBe(true);
    // Every line break is CRLF.
    expect(body.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const lines = body.split('\r\n');
    expect(lines).toContain('BEGIN:VEVENT');
    expect(lines).toContain('UID:review-1@example.com');
    expect(lines).toContain('DTSTART:20260301T090000Z');
    expect(lines).toContain('DTEND:20260301T103000Z');
    expect(lines).toContain('SUMMARY:Review: plan\\, budget\\; risks');
    expect(lines).toContain('DESCRIPTION:Line one\\nLine two');
    expect(lines).toContain('LOCATION:Room 4');
    expect(lines.some((line) => /^DTSTAMP:\d{8}T\d{6}Z$/.test(line))).toBe(true);
  });

  it('derives a stable uid, so a retry that finds its own event succeeds', async () => {
    const input = { summary: 'Standup', start: '2026-03-02T09:00:00Z', end: '2026-03-02T09:15:00Z' };
    const first = await write(input, { runId: 'run-retry' });
    expect(first.output.created).toBe(true);
    expect(first.output.uid).toMatch(/^aos-[0-9a-f]{32}$/);

    const retried = await write(input, { runId: 'run-retry', attempt: 2 });
    expect(retried).toMatchObject({ outcomeCode: 'ALREADY_EXISTS', output: { uid: first.output.uid, created: false } });

    const conflict = await failure(write(input, { runId: 'run-retry', attempt: 1 }));
    expect(conflict).toMatchObject({ category: 'http_client_error', retryable: false, outcomeCode: 'CALDAV_EXISTS' });
  });

  it('fails for good on wrong credentials', async () => {
    const error = await failure(
      write(
        { summary: 'x', start: '2026-03-03T09:00:00Z', end: '2026-03-03T10:00:00Z' },
        { env: { AOS_CALDAV_PASSWORD: 'no' } },
      ),
    );
    expect(error).toMatchObject({ category: 'http_client_error', retryable: false, outcomeCode: 'HTTP_401' });
  });

  it('is not_configured without AOS_CALDAV_URL', async () => {
    const error = await failure(
      write(
        { summary: 'x', start: '2026-03-03T09:00:00Z', end: '2026-03-03T10:00:00Z' },
        { env: { AOS_CALDAV_URL: undefined } },
      ),
    );
    expect(error.message).toBe('calendar_write is not configured: set AOS_CALDAV_URL');
  });

  it('refuses an end before the start and times without an offset', () => {
    expect(() =>
      calendarWriteSkill.inputSchema.parse({
        summary: 'x',
        start: '2026-03-03T10:00:00Z',
        end: '2026-03-03T09:00:00Z',
      }),
    ).toThrow(/must be after start/);
    expect(() =>
      calendarWriteSkill.inputSchema.parse({ summary: 'x', start: '2026-03-03 10:00', end: '2026-03-03T11:00:00Z' }),
    ).toThrow();
    expect(() =>
      calendarWriteSkill.inputSchema.parse({
        summary: 'x',
        start: '2026-03-03T10:00:00Z',
        end: '2026-03-03T11:00:00Z',
        uid: '../x',
      }),
    ).toThrow();
  });
});
