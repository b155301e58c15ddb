import type { JsonValue } from '../db/schema';

/**
 * Makes a value from the outside world storable in jsonb and identical after the round
 * trip: drops undefined and non-JSON values (as JSON.stringify does), and replaces NUL
 * characters and lone surrogates (which Postgres refuses) with U+FFFD.
 */
export function toStorableJson(value: unknown): JsonValue {
  const text = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? cleanString(v) : v));
  if (text === undefined) return null;
  return JSON.parse(text) as JsonValue;
}

function cleanString(value: string): string {
  return value
    .replaceAll('\u0000', '\uFFFD')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}
