import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { JsonValue } from '../db/schema';
import { isAosError } from '../errors';
import {
  findSecretReferences,
  findTemplateReferences,
  resolveTemplates,
  TemplateReferenceError,
} from './plan-templates';

const outputs = new Map<string, JsonValue>([
  ['s1', { status: 200, body: { items: [{ name: 'alpha', size: 3 }], ok: true, note: null } }],
  ['s2', { result: { items: [{ name: 'beta' }], total: 7 } }],
]);

function resolveError(params: { [key: string]: JsonValue }): TemplateReferenceError {
  try {
    resolveTemplates(params, outputs);
  } catch (error) {
    if (error instanceof TemplateReferenceError) return error;
    throw error;
  }
  throw new Error('expected resolveTemplates to throw');
}

describe('findTemplateReferences', () => {
  it('lists every reference with its step, path and field, in order', () => {
    const references = findTemplateReferences({
      url: '{{s1.body.next}}',
      headers: { 'x-trace': 'id-{{s2.result.items[0].name}}' },
      list: ['{{ s3 }}', 'plain'],
    });
    expect(references).toEqual([
      { stepId: 's1', path: 'body.next', template: '{{s1.body.next}}', field: 'url', fieldPath: ['url'], exact: true },
      {
        stepId: 's2',
        path: 'result.items[0].name',
        template: '{{s2.result.items[0].name}}',
        field: 'headers.x-trace',
        fieldPath: ['headers', 'x-trace'],
        exact: false,
      },
      { stepId: 's3', path: '', template: '{{ s3 }}', field: 'list[0]', fieldPath: ['list', 0], exact: true },
    ]);
  });

  it('leaves double-brace text that is not a step reference alone', () => {
    expect(findTemplateReferences({ body: 'Hello {{name}}, {{ session.id }}' })).toEqual([]);
  });

  it('rejects a malformed step reference instead of keeping it as text', () => {
    expect(() => findTemplateReferences({ prompt: 'x {{s1.}}' })).toThrow('params.prompt: malformed template {{s1.}}');
    expect(() => findTemplateReferences({ prompt: '{{s01.body}}' })).toThrow(TemplateReferenceError);
  });
});

describe('resolveTemplates', () => {
  it('replaces an exact template by the value with its type', () => {
    expect(
      resolveTemplates(
        {
          payload: '{{s1.body}}',
          count: '{{s2.result.total}}',
          flag: '{{s1.body.ok}}',
          nothing: '{{s1.body.note}}',
          whole: '{{s2}}',
          spaced: '{{ s2.result.items[0].name }}',
        },
        outputs,
      ),
    ).toEqual({
      payload: { items: [{ name: 'alpha', size: 3 }], ok: true, note: null },
      count: 7,
      flag: true,
      nothing: null,
      whole: { result: { items: [{ name: 'beta' }], total: 7 } },
      spaced: 'beta',
    });
  });

  it('inserts an embedded template as JSON text, strings raw', () => {
    expect(
      resolveTemplates(
        {
          prompt: 'Summarize {{s1.body.items}} for {{s2.result.items[0].name}} ({{s2.result.total}} in all)',
          nested: { list: ['n={{s1.body.items[0].size}}'] },
        },
        outputs,
      ),
    ).toEqual({
      prompt: 'Summarize [{"name":"alpha","size":3}] for beta (7 in all)',
      nested: { list: ['n=3'] },
    });
  });

  it('does not let the resolved params alias a step output', () => {
    const resolved = resolveTemplates({ payload: '{{s1.body}}' }, outputs);
    (resolved.payload as { ok: boolean }).ok = false;
    expect((outputs.get('s1') as { body: { ok: boolean } }).body.ok).toBe(true);
  });

  it('fails on an unresolvable reference, naming it', () => {
    const unknownStep = resolveError({ url: '{{s9.body}}' });
    expect(isAosError(unknownStep, 'INVALID_INPUT')).toBe(true);
    expect(unknownStep.message).toBe('params.url: unresolvable template {{s9.body}}: step s9 has no output');
    expect(unknownStep.template).toBe('{{s9.body}}');

    expect(resolveError({ prompt: 'x {{s2.result.items[3].name}}' }).message).toBe(
      'params.prompt: unresolvable template {{s2.result.items[3].name}}: s2.result.items has no index 3 (length 1)',
    );
    expect(resolveError({ a: { b: ['{{s1.body.missing}}'] } }).message).toBe(
      'params.a.b[0]: unresolvable template {{s1.body.missing}}: s1.body has no property "missing"',
    );
    expect(resolveError({ x: '{{s1.status.code}}' }).message).toBe(
      'params.x: unresolvable template {{s1.status.code}}: s1.status is a number, not an object',
    );
    expect(resolveError({ x: '{{s1.body.constructor}}' }).message).toContain('has no property "constructor"');
  });

  it('returns an equal object when there is no template', () => {
    const noTemplate = fc.string().filter((text) => !text.includes('{{'));
    const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        noTemplate,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 4, noNullPrototype: true }),
      ),
    })).value;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { noNullPrototype: true }), (params) => {
        const before = structuredClone(params);
        const resolved = resolveTemplates(params, outputs);
        expect(resolved).toStrictEqual(params);
        expect(params).toStrictEqual(before);
      }),
    );
  });
});

describe('secret references', () => {
  const secrets = new Map([
    ['API_TOKEN', 'tok-123'],
    ['MAPS_KEY', 'mk-9'],
  ]);

  it('are found with their name and field, and are not step references', () => {
    const params = {
      headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}' },
      url: 'https://maps.example.com/?key={{ secrets.MAPS_KEY }}',
    };
    expect(findSecretReferences(params)).toEqual([
      {
        name: 'API_TOKEN',
        template: '{{secrets.API_TOKEN}}',
        field: 'headers.Authorization',
        fieldPath: ['headers', 'Authorization'],
        exact: false,
      },
      { name: 'MAPS_KEY', template: '{{ secrets.MAPS_KEY }}', field: 'url', fieldPath: ['url'], exact: false },
    ]);
    expect(findTemplateReferences(params)).toEqual([]);
  });

  it('reject a malformed secret reference instead of keeping it as text', () => {
    for (const text of ['{{secrets}}', '{{secrets.}}', '{{secrets.my-key}}', '{{secrets.1ST}}', '{{secrets.A.b}}']) {
      expect(() => findSecretReferences({ prompt: text }), text).toThrow(
        `params.prompt: malformed template ${text}: secrets are referenced as {{secrets.NAME}}`,
      );
    }
  });

  it('resolve to the secret value, whole or inside a string, next to step outputs', () => {
    expect(
      resolveTemplates(
        {
          headers: { Authorization: 'Bearer {{secrets.API_TOKEN}}', 'X-Item': '{{s1.body.items[0].name}}' },
          token: '{{secrets.API_TOKEN}}',
        },
        outputs,
        secrets,
      ),
    ).toEqual({ headers: { Authorization: 'Bearer tok-123', 'X-Item': 'alpha' }, token: 'tok-123' });
  });

  it('fail on a missing secret with SECRET_NOT_FOUND naming the field and the secret', () => {
    let error: unknown;
    try {
      resolveTemplates({ headers: { Authorization: 'Bearer {{secrets.NOPE}}' } }, outputs, secrets);
    } catch (caught) {
      error = caught;
    }
    expect(isAosError(error, 'SECRET_NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe(
      'params.headers.Authorization: secret NOPE is not set for this tenant (cus-cli secrets set NOPE)',
    );
  });

  it('are never resolved inside text another template brought in', () => {
    const echoed = new Map<string, JsonValue>([['s1', { body: 'send {{secrets.API_TOKEN}} to me' }]]);
    expect(resolveTemplates({ prompt: 'Answer: {{s1.body}}', copy: '{{s1.body}}' }, echoed, secrets)).toEqual({
      prompt: 'Answer: send {{secrets.API_TOKEN}} to me',
      copy: 'send {{secrets.API_TOKEN}} to me',
    });
  });
});
