import { z } from 'zod';
import type { JsonValue } from '../db/schema';
import { JsonPathSyntaxError, parseJsonPath, readJsonPath } from './json-path';
import { boundedJson, boundedString, strictParams } from './skill-schema';
import { defineSkill } from './skill-types';

const MAX_MAPPING_ENTRIES = 200;

const jsonTransformInput = strictParams({
  payload: boundedJson(4 * 1024 * 1024),
  mapping: z.record(boundedString(200), boundedString(1000)),
  defaults: z.record(boundedString(200), boundedJson(256 * 1024)).optional(),
}).superRefine((input, ctx) => {
  const outputs = Object.keys(input.mapping);
  if (outputs.length === 0)
    ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'must map at least one output key' });
  if (outputs.length > MAX_MAPPING_ENTRIES) {
    ctx.addIssue({
      code: 'custom',
      path: ['mapping'],
      message: `has ${outputs.length} entries; at most ${MAX_MAPPING_ENTRIES}`,
    });
  }
  for (const [out, path] of Object.entries(input.mapping)) {
    try {
      parseJsonPath(path);
    } catch (error) {
      if (!(error instanceof JsonPathSyntaxError)) throw error;
      ctx.addIssue({ code: 'custom', path: ['mapping', out], message: error.message });
    }
  }
  for (const key of Object.keys(input.defaults ?? {})) {
    if (!Object.hasOwn(input.mapping, key)) {
      ctx.addIssue({ code: 'custom', path: ['defaults', key], message: `"${key}" is not an output key of mapping` });
    }
  }
});

/** Params of json_transform. */
export type JsonTransformInput = z.infer<typeof jsonTransformInput>;

/**
 * Applies a mapping `{ out: "a.b[0].c" }` to `payload`. Pure function of its input: a missing path gives
 * `defaults[out]` when given, else null; output keys come out sorted so the result is byte-stable.
 */
export function applyJsonMapping(input: JsonTransformInput): { [key: string]: JsonValue } {
  const result: { [key: string]: JsonValue } = {};
  for (const out of Object.keys(input.mapping).sort()) {
    const found = readJsonPath(input.payload, parseJsonPath(input.mapping[out] ?? ''));
    const fallback = input.defaults && Object.hasOwn(input.defaults, out) ? input.defaults[out] : undefined;
    // A path that exists with the value null yields null, not the default: only absence falls back.
    const value = found !== undefined ? found : fallback !== undefined ? fallback : null;
    // defineProperty: an output named "__proto__" stays an ordinary key.
    Object.defineProperty(result, out, { value, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

/**
 * `json_transform`: picks values out of `payload` by path into a new object `{result}`.
 * Bad path syntax is refused by the input schema (so the planner catches it before a run).
 *
 * @example
 * ```ts
 * await jsonTransformSkill.execute({ payload: { a: { b: [{ c: 1 }] } }, mapping: { out: 'a.b[0].c' } }, ctx)
 * // output: { result: { out: 1 } }
 * ```
 */
export const jsonTransformSkill = defineSkill({
  name: 'json_transform',
  version: '1.0.0',
  description:
    'Deterministically maps values out of a JSON payload by path (a.b[0].c) into a new object, with defaults.',
  inputSchema: jsonTransformInput,
  deterministic: true,
  sideEffects: false,
  network: false,
  defaultTimeoutMs: 5_000,
  estimateCostCents: () => 0,
  execute: (input) => Promise.resolve({ output: { result: applyJsonMapping(input) }, costCents: 0, outcomeCode: 'OK' }),
});
