import type { JsonValue } from '../db/schema';
import { AosError, InvalidInputError } from '../errors';
import { SECRET_NAME_PATTERN } from '../secrets/secret-references';

/** A location in a JSON value: property names and array indexes. */
export type JsonPath = readonly (string | number)[];

/**
 * One `{{sN.path}}` template found in a step's params.
 *
 * @example
 * ```ts
 * findTemplateReferences({ prompt: 'Sum up {{s2.result}}' });
 * // [{ stepId: 's2', path: 'result', template: '{{s2.result}}', field: 'prompt', fieldPath: ['prompt'], exact: false }]
 * ```
 */
export interface TemplateReference {
  /** The step whose output is used, e.g. `s1`. */
  readonly stepId: string;
  /** Path inside that step's output (`body`, `result.items[0].name`); `''` for the whole output. */
  readonly path: string;
  /** The template as written, e.g. `{{s1.body}}`. */
  readonly template: string;
  /** Where in params the template sits, written like `headers.Authorization` or `items[2]`. */
  readonly field: string;
  readonly fieldPath: JsonPath;
  /** True when the template is the whole string, so it is replaced by a value of any type. */
  readonly exact: boolean;
}

/**
 * One `{{secrets.NAME}}` reference found in a step's params: a credential the runner resolves
 * from the tenant's secret store when the step executes.
 *
 * @example
 * ```ts
 * findSecretReferences({ headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}' } });
 * // [{ name: 'API_TOKEN', template: '{{secrets.API_TOKEN}}', field: 'headers.Authorization', … exact: false }]
 * ```
 */
export interface SecretReference {
  /** The secret's name, e.g. `API_TOKEN`. */
  readonly name: string;
  /** The template as written. */
  readonly template: string;
  /** Where in params the template sits, written like `headers.Authorization`. */
  readonly field: string;
  readonly fieldPath: JsonPath;
  /** True when the template is the whole string. */
  readonly exact: boolean;
}

/**
 * A template that is malformed or cannot be resolved. Code `INVALID_INPUT`: the step's input
 * cannot be built, which no retry changes. The message names the field and the template.
 */
export class TemplateReferenceError extends InvalidInputError {
  /** The template as written, e.g. `{{s2.result.items[0].name}}`. */
  readonly template: string;

  constructor(field: string, template: string, problem: string) {
    super(`params.${field}: ${problem}`, { field: `params.${field}` });
    this.name = 'TemplateReferenceError';
    this.template = template;
  }
}

// Anything between double braces is looked at; only what starts like a step id (`s` + digits,
// then the end, `.` or `[`) or like `secrets` is a reference. Other `{{…}}` text (a mustache
// template a webhook receiver expects, say) is left alone, while a malformed reference is an
// error rather than being silently kept as text.
const BRACES = /\{\{([^{}]*)\}\}/g;
const LOOKS_LIKE_REFERENCE = /^s[0-9]+(?:$|[.[])/;
const LOOKS_LIKE_SECRET = /^secrets(?:$|[.[])/;
const STEP_ID = /^s[1-9][0-9]*/;
const SEGMENT = /^(?:\.([^.[\]\s{}]+)|\[(0|[1-9][0-9]*)\])/;

interface ParsedTemplate {
  readonly stepId: string;
  readonly segments: readonly (string | number)[];
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

interface ParsedSecret {
  readonly secret: string;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Parses the templates of one string, step outputs and secrets; throws on a malformed reference. */
function parseAllTemplates(value: string, field: string): (ParsedTemplate | ParsedSecret)[] {
  const found: (ParsedTemplate | ParsedSecret)[] = [];
  for (const match of value.matchAll(BRACES)) {
    const text = match[0];
    const inner = (match[1] ?? '').trim();
    if (LOOKS_LIKE_SECRET.test(inner)) {
      const name = inner.slice('secrets.'.length);
      if (!inner.startsWith('secrets.') || !SECRET_NAME_PATTERN.test(name)) {
        throw new TemplateReferenceError(
          field,
          text,
          `malformed template ${text}: secrets are referenced as {{secrets.NAME}}, NAME made of letters, digits and _`,
        );
      }
      found.push({ secret: name, text, start: match.index, end: match.index + text.length });
      continue;
    }
    if (!LOOKS_LIKE_REFERENCE.test(inner)) continue;
    const stepId = STEP_ID.exec(inner)?.[0];
    if (stepId === undefined) {
      throw new TemplateReferenceError(field, text, `malformed template ${text}: step ids look like s1, s2, …`);
    }
    const segments: (string | number)[] = [];
    let rest = inner.slice(stepId.length);
    while (rest !== '') {
      const segment = SEGMENT.exec(rest);
      if (segment === null) {
        throw new TemplateReferenceError(
          field,
          text,
          `malformed template ${text}: expected .name or [index] at ${JSON.stringify(rest)}`,
        );
      }
      segments.push(segment[1] ?? Number(segment[2]));
      rest = rest.slice(segment[0].length);
    }
    found.push({ stepId, segments, text, start: match.index, end: match.index + text.length });
  }
  return found;
}

function isSecret(template: ParsedTemplate | ParsedSecret): template is ParsedSecret {
  return 'secret' in template;
}

/** The step output templates of one string. */
function parseTemplates(value: string, field: string): ParsedTemplate[] {
  return parseAllTemplates(value, field).filter((template): template is ParsedTemplate => !isSecret(template));
}

/** `['result', 'items', 0, 'name']` → `result.items[0].name`. */
function formatPath(segments: JsonPath): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/**
 * Writes a params location as a readable field name, e.g. `headers.Authorization`, `items[2]`.
 *
 * @example
 * ```ts
 * formatFieldPath(['headers', 'x-api-key']); // 'headers.x-api-key'
 * ```
 */
export function formatFieldPath(path: JsonPath): string {
  return formatPath(path);
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` for every string in `value`, in a stable order (properties in order, then indexes). */
function walkStrings(value: unknown, at: (string | number)[], visit: (text: string, at: JsonPath) => void): void {
  if (typeof value === 'string') visit(value, at);
  else if (Array.isArray(value)) value.forEach((item, index) => walkStrings(item, [...at, index], visit));
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) walkStrings(item, [...at, key], visit);
  }
}

/**
 * Every `{{sN.path}}` template in `params` (in string values at any depth; property names are
 * never templated), in a stable order. `{{…}}` text that does not start with a step id is not a
 * template. Throws a {@link TemplateReferenceError} for a malformed reference such as `{{s1.}}`.
 *
 * @example
 * ```ts
 * findTemplateReferences({ url: '{{s1.body.next}}', n: 1 }).map((r) => r.stepId); // ['s1']
 * ```
 */
export function findTemplateReferences(params: unknown): TemplateReference[] {
  const references: TemplateReference[] = [];
  walkStrings(params, [], (text, fieldPath) => {
    const field = formatPath(fieldPath);
    for (const parsed of parseTemplates(text, field)) {
      references.push({
        stepId: parsed.stepId,
        path: formatPath(parsed.segments),
        template: parsed.text,
        field,
        fieldPath,
        exact: parsed.start === 0 && parsed.end === text.length,
      });
    }
  });
  return references;
}

/**
 * Every `{{secrets.NAME}}` reference in `params` (in string values at any depth), in a stable
 * order. Throws a {@link TemplateReferenceError} for a malformed one such as `{{secrets.}}` or
 * `{{secrets.my-key}}`.
 *
 * @example
 * ```ts
 * findSecretReferences({ url: 'https://api.example.com/?key={{secrets.MAPS_KEY}}' }).map((r) => r.name); // ['MAPS_KEY']
 * ```
 */
export function findSecretReferences(params: unknown): SecretReference[] {
  const references: SecretReference[] = [];
  walkStrings(params, [], (text, fieldPath) => {
    const field = formatPath(fieldPath);
    for (const parsed of parseAllTemplates(text, field)) {
      if (!isSecret(parsed)) continue;
      references.push({
        name: parsed.secret,
        template: parsed.text,
        field,
        fieldPath,
        exact: parsed.start === 0 && parsed.end === text.length,
      });
    }
  });
  return references;
}

/** Follows `segments` into a step's output; throws naming the first part that is missing. */
function lookUp(output: JsonValue, parsed: ParsedTemplate, field: string): JsonValue {
  let current: JsonValue = output;
  for (let index = 0; index < parsed.segments.length; index += 1) {
    const segment = parsed.segments[index] as string | number;
    const where = describeLocation(parsed.stepId, parsed.segments.slice(0, index));
    const fail = (problem: string): never => {
      throw new TemplateReferenceError(field, parsed.text, `unresolvable template ${parsed.text}: ${problem}`);
    };
    if (typeof segment === 'number') {
      if (!Array.isArray(current)) fail(`${where} is ${describeKind(current)}, not an array`);
      const items = current as JsonValue[];
      if (segment >= items.length) fail(`${where} has no index ${segment} (length ${items.length})`);
      current = items[segment] as JsonValue;
    } else {
      // Own properties only: `{{s1.constructor}}` or `__proto__` must not reach the prototype.
      if (!isPlainObject(current)) fail(`${where} is ${describeKind(current)}, not an object`);
      const record = current as { [key: string]: JsonValue };
      if (!Object.hasOwn(record, segment) || record[segment] === undefined) {
        fail(`${where} has no property ${JSON.stringify(segment)}`);
      }
      current = record[segment] as JsonValue;
    }
  }
  return current;
}

/** `s2` + `['result', 'items']` → `s2.result.items`. */
function describeLocation(stepId: string, segments: JsonPath): string {
  const path = formatPath(segments);
  if (path === '') return stepId;
  return path.startsWith('[') ? `${stepId}${path}` : `${stepId}.${path}`;
}

function describeKind(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function resolveString(
  text: string,
  field: string,
  outputs: ReadonlyMap<string, JsonValue>,
  secrets: ReadonlyMap<string, string>,
): JsonValue {
  // One pass over the text as written: a value put in (a step's output, a secret) is never
  // scanned for templates again, so an answer holding `{{secrets.X}}` cannot pull a secret in.
  const parsed = parseAllTemplates(text, field);
  if (parsed.length === 0) return text;
  const values = parsed.map((template): JsonValue => {
    if (isSecret(template)) {
      const value = secrets.get(template.secret);
      if (value === undefined) {
        throw new AosError(
          'SECRET_NOT_FOUND',
          `params.${field}: secret ${template.secret} is not set for this tenant (cus-cli secrets set ${template.secret})`,
        );
      }
      return value;
    }
    const output = outputs.get(template.stepId);
    if (output === undefined) {
      throw new TemplateReferenceError(
        field,
        template.text,
        `unresolvable template ${template.text}: step ${template.stepId} has no output`,
      );
    }
    return lookUp(output, template, field);
  });
  const only = parsed[0] as ParsedTemplate | ParsedSecret;
  if (parsed.length === 1 && only.start === 0 && only.end === text.length) {
    // A copy, so a later change to the params cannot alter the recorded output of another step.
    return structuredClone(values[0] as JsonValue);
  }
  let out = '';
  let cursor = 0;
  parsed.forEach((template, index) => {
    const value = values[index] as JsonValue;
    out += text.slice(cursor, template.start) + (typeof value === 'string' ? value : JSON.stringify(value));
    cursor = template.end;
  });
  return out + text.slice(cursor);
}

function resolveValue(
  value: JsonValue,
  at: (string | number)[],
  outputs: ReadonlyMap<string, JsonValue>,
  secrets: ReadonlyMap<string, string>,
): JsonValue {
  if (typeof value === 'string') return resolveString(value, formatPath(at), outputs, secrets);
  if (Array.isArray(value)) return value.map((item, index) => resolveValue(item, [...at, index], outputs, secrets));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a `__proto__` key stays data and never sets a prototype.
    return Object.fromEntries<JsonValue>(
      Object.entries(value).map(([key, item]) => [key, resolveValue(item, [...at, key], outputs, secrets)]),
    );
  }
  return value;
}

const NO_SECRETS: ReadonlyMap<string, string> = new Map();

/**
 * A copy of `params` with every `{{sN.path}}` template replaced from `outputs` (step id → that
 * step's output). A string that is exactly one template becomes the referenced value with its
 * own type (object, number, …); a template inside a longer string is replaced by the value's
 * JSON text, strings inserted as they are. A reference to a step without an output or to a
 * missing path throws a {@link TemplateReferenceError} naming the field and the template: a
 * template is never left in place as text. `{{secrets.NAME}}` is replaced by the value in
 * `secrets` (see `resolveParamSecrets`); a name missing there throws an AosError
 * `SECRET_NOT_FOUND` naming the field and the secret. Templates are resolved in one pass over
 * the params as written: text a template brings in is never resolved again. Pure: `params`,
 * `outputs` and `secrets` are not changed.
 *
 * @example
 * ```ts
 * const outputs = new Map([['s1', { status: 200, body: { items: [{ name: 'a' }] } }]]);
 * resolveTemplates({ first: '{{s1.body.items[0]}}', note: 'got {{s1.status}}' }, outputs);
 * // { first: { name: 'a' }, note: 'got 200' }
 * ```
 */
export function resolveTemplates(
  params: { readonly [key: string]: JsonValue },
  outputs: ReadonlyMap<string, JsonValue>,
  secrets: ReadonlyMap<string, string> = NO_SECRETS,
): { [key: string]: JsonValue } {
  return resolveValue(params, [], outputs, secrets) as { [key: string]: JsonValue };
}
