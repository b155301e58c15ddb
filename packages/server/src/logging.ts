// What the request logs never show (SPEC §12 "structured JSON request logs without secrets"):
// the request log line carries none of these fields, and pino censors them wherever an error or
// a plugin would put them.
export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'request.headers.authorization',
  'value',
  'body.value',
  'req.body.value',
  '*.value',
] as const;
