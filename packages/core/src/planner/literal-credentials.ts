import { isReferenceOnly } from '../secrets/secret-references';
import { PlanInvalidError } from './plan-errors';
import type { PlanStep } from './plan-schema';
import { formatFieldPath, type JsonPath } from './plan-templates';

/**
 * A plan that writes a credential into its params instead of referencing a tenant secret
 * (docs/skills.md, "Tenant secrets in params"). The message is the one docs/skills.md quotes, without the `plan invalid:` prefix, so the run fails
 * with `plan_generation_failed: literal credential at s1.params.headers.Authorization (use
 * {{secrets.NAME}})`. It never contains the credential.
 */
export class LiteralCredentialError extends PlanInvalidError {
  constructor(stepId: string, field: string) {
    super(`literal credential at ${stepId}.${field} (use {{secrets.NAME}})`, { stepId, field });
    this.name = 'LiteralCredentialError';
    this.message = this.reason;
  }
}

// Words of a name: `X-Api-Key` → x, api, key; `clientSecret` → client, secret.
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== '');
}

const KEY_QUALIFIERS = new Set(['api', 'access', 'private', 'secret', 'subscription', 'auth', 'client', 'signing']);
const HEADER_WORDS = new Set([
  'authorization',
  'auth',
  'cookie',
  'token',
  'secret',
  'password',
  'passwd',
  'apikey',
  'credential',
  'credentials',
]);
const FIELD_LAST_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'credential',
  'credentials',
  'authorization',
  'cookie',
]);
const QUERY_LAST_WORDS = new Set([
  'key',
  'apikey',
  'token',
  'secret',
  'signature',
  'sig',
  'password',
  'passwd',
  'credential',
  'auth',
]);

/** A header that carries a credential: Authorization, Cookie, X-Api-Key, X-Auth-Token, … */
function isCredentialHeader(name: string): boolean {
  const words = wordsOf(name);
  return words.some(
    (word, i) => HEADER_WORDS.has(word) || (word === 'key' && i > 0 && KEY_QUALIFIERS.has(words[i - 1] ?? '')),
  );
}

/**
 * A body field that carries a credential: named like password, secret, token, client_secret,
 * api_key (by its last word, so `access_token` is one and `token_type` or `max_tokens` is not).
 */
function isCredentialField(name: string): boolean {
  const words = wordsOf(name);
  const last = words.at(-1) ?? '';
  return FIELD_LAST_WORDS.has(last) || (last === 'key' && KEY_QUALIFIERS.has(words.at(-2) ?? ''));
}

/** A URL query parameter that carries a credential: key, api_key, access_token, X-Amz-Signature, sig, … */
function isCredentialQueryParameter(name: string): boolean {
  return QUERY_LAST_WORDS.has(wordsOf(name).at(-1) ?? '');
}

/** A value written into the plan: text that is not only `{{secrets.NAME}}`/`{{sN.…}}` references, or a number. */
function isLiteral(value: unknown): boolean {
  if (typeof value === 'number') return true;
  return typeof value === 'string' && value.trim() !== '' && !isReferenceOnly(value, { steps: true });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const URL_START = /^\s*[a-z][a-z0-9+.-]*:\/\//i;

/** Where in a URL a credential is written literally: its userinfo, or a query or fragment parameter. */
function urlCredential(url: string): string | undefined {
  const afterScheme = url.slice(url.indexOf('://') + 3);
  const authority = /^[^/?#]*/.exec(afterScheme)?.[0] ?? '';
  const at = authority.lastIndexOf('@');
  if (at !== -1) {
    const parts = authority.slice(0, at).split(':').map(decode);
    if (parts.some(isLiteral)) return ' (userinfo)';
  }
  const query = /[?#](.*)$/s.exec(afterScheme)?.[1] ?? '';
  for (const pair of query.split(/[&#;]/)) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = decode(pair.slice(0, equals));
    if (isCredentialQueryParameter(name) && isLiteral(decode(pair.slice(equals + 1)))) return `?${name}`;
  }
  return undefined;
}

// A string body may be JSON or form-encoded text: its fields are checked like an object's.
function bodyFields(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return undefined;
    }
  }
  if (!/^[^\s=&]+=[^\s&]*(?:&[^\s=&]+=[^\s&]*)*$/.test(trimmed)) return undefined;
  return Object.fromEntries(
    trimmed.split('&').map((pair) => {
      const equals = pair.indexOf('=');
      return [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))];
    }),
  );
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldOf(path: JsonPath, suffix = ''): string {
  return `params.${formatFieldPath(path)}${suffix}`;
}

function find(value: unknown, path: readonly (string | number)[]): string | undefined {
  if (typeof value === 'string') {
    if (URL_START.test(value)) {
      const where = urlCredential(value.trim());
      if (where !== undefined) return fieldOf(path, where);
    }
    const parent = path.at(-1);
    if (typeof parent === 'string' && parent.toLowerCase() === 'body') {
      const fields = bodyFields(value);
      if (fields !== undefined) return find(fields, path);
    }
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = find(item, [...path, index]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const parent = path.at(-1);
  const inHeaders = typeof parent === 'string' && parent.toLowerCase() === 'headers';
  for (const [key, item] of Object.entries(value)) {
    const at = [...path, key];
    if (inHeaders ? isCredentialHeader(key) : isCredentialField(key)) {
      if (isLiteral(item)) return fieldOf(at);
      if (Array.isArray(item)) {
        const index = item.findIndex(isLiteral);
        if (index !== -1) return fieldOf([...at, index]);
      }
    }
    const found = find(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Refuses a step whose params write a credential literally (docs/skills.md, "Tenant secrets in params"): a credential header
 * (Authorization, Cookie, X-Api-Key, X-Auth-Token, …), userinfo in a URL, a URL query parameter
 * named like key/token/secret/signature/password/sig, or a field named like
 * password/secret/token/client_secret/api_key (at any depth, in JSON or form-encoded string
 * bodies too). A value that is only `{{secrets.NAME}}` references — after a scheme such as
 * `Bearer ` if need be — or a step output reference is not literal.
 *
 * Throws a {@link LiteralCredentialError} naming the field, e.g.
 * `literal credential at s1.params.headers.Authorization (use {{secrets.NAME}})`.
 *
 * @example
 * ```ts
 * checkLiteralCredentials(step); // throws for headers: { Authorization: 'Bearer sk-live-…' }
 * ```
 */
export function checkLiteralCredentials(step: Pick<PlanStep, 'step_id' | 'params'>): void {
  const field = find(step.params, []);
  if (field !== undefined) throw new LiteralCredentialError(step.step_id, field);
}
