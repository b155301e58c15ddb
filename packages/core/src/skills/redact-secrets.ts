/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

// Header names (after lower-casing and turning '-' into '_') whose values are credentials.
const SECRET_HEADERS = new Set([
  'authorization',
  'proxy_authorization',
  'cookie',
  'set_cookie',
  'x_api_key',
  'api_key',
  'apikey',
]);

// Param keys that hold credentials: `token`, `access_token`, `client_secret`, `db_password`,
// `x_auth_token`… but not `max_tokens` (plural) or `secret_name`. `webhook_url` is there
// because a Slack incoming-webhook URL is itself the credential.
const SECRET_KEY = /(^|_)(password|passwd|passphrase|secret|token|api_?key|private_key|credentials?|webhook_url)$/;

// `scheme://user:password@host…` — a password inside a URL value.
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@\s:]*:)[^/?#@\s]+@/i;

function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-\s]/g, '_');
  return SECRET_HEADERS.has(normalized) || SECRET_KEY.test(normalized);
}

/**
 * A copy of `params` with every credential replaced by `"[REDACTED]"`: the values of
 * Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key and Api-Key headers and of
 * keys named like `password`, `secret`, `token`, `api_key` or `webhook_url` (case-insensitive,
 * at any depth, `headers` objects included), and the password part of URLs. The runner stores
 * and hashes this copy, never the original; the skill itself receives the original.
 *
 * @example
 * ```ts
 * redactSecrets({ url: 'https://api.example.com', headers: { Authorization: 'Bearer sk-1' } })
 * // { url: 'https://api.example.com', headers: { Authorization: '[REDACTED]' } }
 * ```
 */
export function redactSecrets<T>(params: T): T {
  return redact(params) as T;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
  if (Array.isArray(value)) return value.map(redact);
  return isPlainObject(value) ? redactObject(value) : value;
}

function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function redactObject(value: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty: a JSON key "__proto__" must stay a plain key, not become the prototype.
    Object.defineProperty(out, key, {
      value: item !== null && isSecretKey(key) ? REDACTED : redact(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
