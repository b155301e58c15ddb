/** One event to write as an RFC 5545 VCALENDAR with a single VEVENT. */
export interface CalendarEvent {
  readonly uid: string;
  readonly summary: string;
  readonly start: Date;
  readonly end: Date;
  readonly description?: string | undefined;
  readonly location?: string | undefined;
  /** DTSTAMP: when this iCalendar object was created. */
  readonly stamp: Date;
}

/** PRODID of every calendar object AOS writes. */
export const ICALENDAR_PRODID = '-//AOS//aos-skills 1.0//EN';

/** `20260209T181200Z`: an RFC 5545 DATE-TIME in UTC (seconds precision). */
export function formatIcalUtc(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** Escapes an RFC 5545 TEXT value: backslash, semicolon, comma and line breaks. */
export function escapeIcalText(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * Folds a content line to at most 75 octets per line (RFC 5545 §3.1): continuation lines start
 * with one space; a multi-byte UTF-8 character is never split.
 */
export function foldIcalLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = Buffer.byteLength(char, 'utf8');
    // The first line holds 75 octets; continuation lines 74 plus their leading space.
    const limit = parts.length === 0 ? 75 : 74;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/**
 * The iCalendar object (CRLF line ends, folded lines, escaped text) of one event.
 *
 * @example
 * ```ts
 * buildICalendar({ uid: 'a@aos', summary: 'Review', start, end, stamp: new Date() })
 * // 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n…END:VCALENDAR\r\n'
 * ```
 */
export function buildICalendar(event: CalendarEvent): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${ICALENDAR_PRODID}`,
    'CALSCALE:GREGORIAN',
    'BEGIN:VEVENT',
    `UID:${event.uid}`,
    `DTSTAMP:${formatIcalUtc(event.stamp)}`,
    `DTSTART:${formatIcalUtc(event.start)}`,
    `DTEND:${formatIcalUtc(event.end)}`,
    `SUMMARY:${escapeIcalText(event.summary)}`,
    ...(event.description !== undefined ? [`DESCRIPTION:${escapeIcalText(event.description)}`] : []),
    ...(event.location !== undefined ? [`LOCATION:${escapeIcalText(event.location)}`] : []),
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return `${lines.map(foldIcalLine).join('\r\n')}\r\n`;
}
