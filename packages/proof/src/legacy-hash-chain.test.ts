import { describe, expect, it } from 'vitest';

import { runPython } from '../test/python-reference';
import { legacyHashChainV1 } from './legacy-hash-chain';

// The legacy algorithm, written independently in Python as the old system computed it.
const PYTHON_LEGACY = [
  'import sys, json, hashlib',
  'd = json.load(sys.stdin)',
  'h = hashlib.sha256()',
  'h.update(d["run_id"].encode("utf-8"))',
  'for s in d["steps"]:',
  "    h.update(f\"{s['step_index']}:{s['skill_name']}:{s['status']}\".encode(\"utf-8\"))",
  'print(h.hexdigest())',
].join('\n');

describe('legacyHashChainV1', () => {
  it.each([
    ['no steps', 'run-0', []],
    [
      'three steps',
      '6f1c2c3e-1b7a-4f8e-9a51-0d3c2b1a0f9e',
      [
        { step_index: 0, skill_name: 'http_call', status: 'success' },
        { step_index: 1, skill_name: 'json_transform', status: 'failure' },
        { step_index: 2, skill_name: 'llm_invoke', status: 'skipped' },
      ],
    ],
    [
      'unicode and colons',
      'rün:1',
      [
        { step_index: 10, skill_name: 'écho:x', status: 'success' },
        { step_index: 11, skill_name: '😀', status: 'success' },
      ],
    ],
  ])('matches the Python value for %s', (_name, runId, steps) => {
    expect(legacyHashChainV1(runId, steps)).toBe(runPython(PYTHON_LEGACY, { run_id: runId, steps }));
  });

  it('has no separators: moving a character across a boundary gives the same value', () => {
    // This is why it proves nothing on its own.
    expect(legacyHashChainV1('run1', [{ step_index: 0, skill_name: 'a', status: 'b' }])).toBe(
      legacyHashChainV1('run', [{ step_index: 10, skill_name: 'a', status: 'b' }]),
    );
  });

  it('refuses a step index that is not an integer', () => {
    expect(() => legacyHashChainV1('r', [{ step_index: 1.5, skill_name: 'a', status: 'b' }])).toThrow(
      /steps\[0\].step_index must be an integer/,
    );
  });
});
