import { isReferenceOnly, secretReference } from '../secrets/secret-references';
import { SkillError, type SkillResult } from './skill-types';

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Secret values resolved for a step, by name (what `resolveParamSecrets` returns). */
export type ResolvedSecrets = ReadonlyMap<string, string>;

const NO_SECRETS: ResolvedSecrets = new Map();

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
 * A copy of `params` with every credential replaced. First every value in `resolved` (the
 * tenant secrets the step's `{{secrets.NAME}}` templates were resolved to) becomes
 * `{{secrets.NAME}}` again, wherever it appears (see {@link redactSecretValues}). Then the
 * values of Authorization, Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key and Api-Key
 * headers and of keys named like `password`, `secret`, `token`, `api_key` or `webhook_url`
 * (case-insensitive, at any depth, `headers` objects included) become `"[REDACTED]"` — unless
 * they hold the credential only by reference (`Bearer {{secrets.API_TOKEN}}`) —, and so does
 * the password part of URLs. The runner stores and hashes this copy, never the original; the
 * skill itself receives the original.
 *
 * @example
 * ```ts
 * redactSecrets({ url: 'https://api.example.com', headers: { Authorization: 'Bearer sk-1' } })
 * // { url: 'https://api.example.com', headers: { Authorization: '[REDACTED]' } }
 * redactSecrets({ headers: { Authorization: 'Bearer sk-1' } }, new Map([['API_TOKEN', 'sk-1']]))
 * // { headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}' } }
 * ```
 */
export function redactSecrets<T>(params: T, resolved: ResolvedSecrets = NO_SECRETS): T {
  return redact(redactSecretValues(params, resolved)) as T;
}

/**
 * A copy of `value` (any JSON value, or a string) in which every resolved secret value is
 * replaced by its `{{secrets.NAME}}` reference: in strings and property names at any depth, also
 * JSON-escaped, percent-encoded or form-encoded, and when a string ends with the beginning of
 * a value (an excerpt cut short, `…` or not). For what a step stores about itself —
 * params, output, error — when a peer echoes a credential back.
 *
 * @example
 * ```ts
 * redactSecretValues({ body: 'you sent sk-1' }, new Map([['API_TOKEN', 'sk-1']]))
 * // { body: 'you sent {{secrets.API_TOKEN}}' }
 * ```
 */
export function redactSecretValues<T>(value: T, resolved: ResolvedSecrets): T {
  if (resolved.size === 0) return value;
  const redactor = secretRedactor(resolved);
  return redactDeep(value, redactor) as T;
}

/**
 * A step's outcome with every resolved secret value replaced by its reference (see
 * {@link redactSecretValues}): the output of a success; the message and output of a failure.
 * What the runner records, emits and passes on to later steps is this copy.
 */
export function redactOutcome<O extends { ok: true; result: SkillResult } | { ok: false; error: SkillError }>(
  outcome: O,
  resolved: ResolvedSecrets,
): O {
  if (resolved.size === 0) return outcome;
  const redactor = secretRedactor(resolved);
  if (outcome.ok)
    return { ...outcome, result: { ...outcome.result, output: redactDeep(outcome.result.output, redactor) } };
  const error = outcome.error;
  // No cause: the original error's message holds the value.
  const redacted = new SkillError(error.category, redactor(error.message), {
    retryable: error.retryable,
    outcomeCode: error.outcomeCode,
    output: error.output === undefined ? undefined : (redactDeep(error.output, redactor) as typeof error.output),
    costCents: error.costCents,
  });
  return { ...outcome, error: redacted };
}

// A secret this short is still replaced where it appears whole; only an excerpt's cut-off
// tail shorter than this is not looked for.
const MIN_TAIL = 6;

interface SecretForm {
  readonly text: string;
  readonly reference: string;
}

function formsOf(resolved: ResolvedSecrets): SecretForm[] {
  const forms = new Map<string, string>();
  for (const [name, value] of resolved) {
    if (value === '') continue;
    const reference = secretReference(name);
    for (const text of [
      value,
      JSON.stringify(value).slice(1, -1),
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
    ]) {
      if (!forms.has(text)) forms.set(text, reference);
    }
  }
  // Longest first, so a secret that contains another is replaced whole.
  return [...forms].map(([text, reference]) => ({ text, reference })).sort((a, b) => b.text.length - a.text.length);
}

function secretRedactor(resolved: ResolvedSecrets): (text: string) => string {
  const forms = formsOf(resolved);
  if (forms.length === 0) return (text) => text;
  const byText = new Map(forms.map((form) => [form.text, form.reference]));
  const whole = new RegExp(forms.map((form) => escapeRegExp(form.text)).join('|'), 'g');
  return (text) =>
    redactTails(
      text.replace(whole, (match) => byText.get(match) ?? match),
      forms,
    );
}

/** Replaces a secret's beginning where an excerpt was cut: before `…` and at the end of the text. */
function redactTails(text: string, forms: readonly SecretForm[]): string {
  const ends = [text.length];
  for (let at = text.indexOf('…'); at !== -1; at = text.indexOf('…', at + 1)) ends.push(at);
  let out = text;
  // From the last cut to the first, so earlier positions stay valid.
  for (const end of ends.sort((a, b) => b - a)) {
    for (const form of forms) {
      const cut = longestPrefixEndingAt(out, end, form.text);
      if (cut > 0) {
        out = out.slice(0, end - cut) + form.reference + out.slice(end);
        break;
      }
    }
  }
  return out;
}

/** Length of the longest proper prefix of `secret` (at least MIN_TAIL long) that `text` has just before `end`. */
function longestPrefixEndingAt(text: string, end: number, secret: string): number {
  if (secret.length <= MIN_TAIL) return 0;
  const head = secret.slice(0, MIN_TAIL);
  const from = Math.max(0, end - secret.length + 1);
  for (let at = text.indexOf(head, from); at !== -1 && at <= end - MIN_TAIL; at = text.indexOf(head, at + 1)) {
    if (secret.startsWith(text.slice(at, end))) return end - at;
  }
  return 0;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function redactDeep(value: unknown, redactor: (text: string) => string): unknown {
  if (typeof value === 'string') return redactor(value);
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, redactor));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, redactor(key), {
      value: redactDeep(item, redactor),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function redact(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(URL_PASSWORD, `$1${REDACTED}@`);
  if (Array.isArray(value)) return value.map(redact);
  return isPlainObject(value) ? redactObject(value) : value;
}

// A credential written as `{{secrets.NAME}}` (or after a scheme: `Bearer {{secrets.NAME}}`) is
// kept: it says which secret was used and holds no value.
function isByReference(value: unknown): boolean {
  return typeof value === 'string' && isReferenceOnly(value);
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
      value: item !== null && isSecretKey(key) && !isByReference(item) ? REDACTED : redact(item),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}
