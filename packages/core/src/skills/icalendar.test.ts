import { describe, expect, it } from 'vitest';
import { buildICalendar, escapeIcalText, foldIcalLine, formatIcalUtc } from './icalendar';

describe('iCalendar', () => {
  it('formats UTC date-times', () => {
    expect(formatIcalUtc(new Date('2026-02-09T19:12:00.986+01:00'))).toBe('20260209T181200Z');
  });

  it('escapes TEXT values', () => {
    expect(escapeIcalText('a\\b;c,d\ne\r\nf')).toBe('a\\\\b\\;c\\,d\\ne\\nf');
  });

  it('folds at 75 octets without splitting a character', () => {
    const line = `DESCRIPTION:${'é'.repeat(100)}`;
    const folded = foldIcalLine(line);
    for (const part of folded.split('\r\n')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(line);
  });

  it('writes one VEVENT with CRLF line ends', () => {
    const ics = buildICalendar({
      uid: 'u1@aos',
      summary: 'Plan, review; ship',
      start: new Date('2026-03-01T09:00:00Z'),
      end: new Date('2026-03-01T10:00:00Z'),
      stamp: new Date('2026-02-01T00:00:00Z'),
    });
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics.endsWith('END:VEVENT\r\nEND:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(ics).toContain('\r\nSUMMARY:Plan\\, review\\; ship\r\n');
    expect(ics).toContain('\r\nDTSTART:20260301T090000Z\r\nDTEND:20260301T100000Z\r\n');
  });
});
