import { z } from 'zod';
import { uuidSchema } from '../validation';

/** Where a page of `listRuns` ended: the last row's sort key, `created_at` to the microsecond. */
export interface RunCursor {
  /** `created_at` in UTC, ISO 8601 with six fractional digits (a JS Date would drop microseconds). */
  readonly createdAt: string;
  readonly id: string;
}

const MICROSECOND_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 200;

const CursorPayloadSchema = z.tuple([
  z
    .string()
    .regex(MICROSECOND_TIMESTAMP)
    .refine((t) => !Number.isNaN(Date.parse(t))),
  uuidSchema,
]);

/**
 * Encodes a cursor as the opaque base64url token callers pass back: a JSON pair, so the token
 * is stable across releases as long as the sort key is.
 */
export function encodeRunCursor(cursor: RunCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id]), 'utf8').toString('base64url');
}

/** Decodes a token of {@link encodeRunCursor}; null when it is not one. */
export function decodeRunCursor(token: string): RunCursor | null {
  if (token.length > MAX_CURSOR_LENGTH || !BASE64URL.test(token)) return null;
  const bytes = Buffer.from(token, 'base64url');
  // Buffer.from skips what it cannot decode: a token must be exactly the encoding of its bytes.
  if (bytes.toString('base64url') !== token) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const parsed = CursorPayloadSchema.safeParse(payload);
  return parsed.success ? { createdAt: parsed.data[0], id: parsed.data[1] } : null;
}

/** A `cursor` input of the list named `command`: a token of {@link encodeRunCursor}, decoded. */
export function pageCursorSchema(command: string) {
  return z.string().transform((token, ctx) => {
    const cursor = decodeRunCursor(token);
    if (cursor) return cursor;
    ctx.addIssue({ code: 'custom', message: `is not a cursor returned by ${command}` });
    return z.NEVER;
  });
}

/** A `cursor` input of `list-runs`. */
export const runCursorSchema = pageCursorSchema('list-runs');
