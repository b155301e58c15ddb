import type { JsonValue } from '../db/schema';
import { InvalidInputError } from '../errors';

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
// then the end, `.` or `[`) is a reference. Other `{{…}}` text (a mustache template a webhook
// receiver expects, say) is left alone, while a malformed reference is an error rather than
// being silently kept as text.
const BRACES = /\{\{([^{}]*)\}\}/g;
const LOOKS_LIKE_REFERENCE = /^s[0-9]+(?:$|[.[])/;
const STEP_ID = /^s[1-9][0-9]*/;
const SEGMENT = /^(?:\.([^.[\]\s{}]+)|\[(0|[1-9][0-9]*)\])/;

interface ParsedTemplate {
  readonly stepId: string;
  readonly segments: readonly (string | number)[];
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/** Parses the templates of one string; throws on a malformed reference. */
function parseTemplates(value: string, field: string): ParsedTemplate[] {
  const found: ParsedTemplate[] = [];
  for (const match of value.matchAll(BRACES)) {
    const text = match[0];
    const inner = (match[1] ?? '').trim();
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

function resolveString(text: string, field: string, outputs: ReadonlyMap<string, JsonValue>): JsonValue {
  const parsed = parseTemplates(text, field);
  if (parsed.length === 0) return text;
  const values = parsed.map((template) => {
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
  const only = parsed[0] as ParsedTemplate;
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

function resolveValue(value: JsonValue, at: (string | number)[], outputs: ReadonlyMap<string, JsonValue>): JsonValue {
  if (typeof value === 'string') return resolveString(value, formatPath(at), outputs);
  if (Array.isArray(value)) return value.map((item, index) => resolveValue(item, [...at, index], outputs));
  if (value !== null && typeof value === 'object') {
    // fromEntries defines own properties, so a `__proto__` key stays data and never sets a prototype.
    return Object.fromEntries<JsonValue>(
      Object.entries(value).map(([key, item]) => [key, resolveValue(item, [...at, key], outputs)]),
    );
  }
  return value;
}

/**
 * A copy of `params` with every `{{sN.path}}` template replaced from `outputs` (step id → that
 * step's output). A string that is exactly one template becomes the referenced value with its
 * own type (object, number, …); a template inside a longer string is replaced by the value's
 * JSON text, strings inserted as they are. A reference to a step without an output or to a
 * missing path throws a {@link TemplateReferenceError} naming the field and the template: a
 * template is never left in place as text. Pure: `params` and `outputs` are not changed.
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
): { [key: string]: JsonValue } {
  return resolveValue(params, [], outputs) as { [key: string]: JsonValue };
}
