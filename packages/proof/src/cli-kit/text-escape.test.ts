import { describe, expect, it } from 'vitest';
import { escapeControls } from './text-escape';

describe('escapeControls', () => {
  it('writes terminal controls and bidirectional overrides as escapes', () => {
    expect(escapeControls('\u001b[31mred\u0007\r\n\tend\u007f\u009b')).toBe(
      '\\x1b[31mred\\x07\\x0d\\x0a\\x09end\\x7f\\x9b',
    );
    expect(escapeControls('abc\u202Egnp.exe\u2066x\u2069\u200f')).toBe('abc\\u202egnp.exe\\u2066x\\u2069\\u200f');
  });

  it('keeps every other character, CJK and emoji included', () => {
    const text = 'Résumé 漢字 🎉 "quoted" back\\slash';
    expect(escapeControls(text)).toBe(text);
  });
});
