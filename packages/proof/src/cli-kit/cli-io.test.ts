import { describe, expect, it } from 'vitest';
import { writeJson } from './cli-io';

describe('writeJson', () => {
  it('writes one document, indented by 2, and a newline', () => {
    let out = '';
    writeJson({ stdout: { write: (text: string) => (out += text) } }, { run: { id: 'r', steps: [1] } });
    expect(out).toBe('{\n  "run": {\n    "id": "r",\n    "steps": [\n      1\n    ]\n  }\n}\n');
    expect(JSON.parse(out)).toEqual({ run: { id: 'r', steps: [1] } });
  });
});
