import { describe, expect, it } from 'vitest';
import { paint } from './text-paint';

const terminal = { write: () => true, isTTY: true };
const pipe = { write: () => true };

describe('paint', () => {
  it('colours text written to a terminal', () => {
    expect(paint({ env: {} }, terminal, 'green', 'VERIFIED')).toBe('\u001b[32mVERIFIED\u001b[39m');
    expect(paint({ env: {} }, terminal, 'bold', 'x')).toBe('\u001b[1mx\u001b[22m');
  });

  it('leaves text for a pipe or a file as it is', () => {
    expect(paint({ env: {} }, pipe, 'red', 'FAILED')).toBe('FAILED');
    expect(paint({ env: {} }, { ...terminal, isTTY: false }, 'red', 'FAILED')).toBe('FAILED');
  });

  it('respects NO_COLOR (when non-empty) and TERM=dumb', () => {
    expect(paint({ env: { NO_COLOR: '1' } }, terminal, 'red', 'x')).toBe('x');
    expect(paint({ env: { NO_COLOR: '' } }, terminal, 'red', 'x')).toBe('\u001b[31mx\u001b[39m');
    expect(paint({ env: { TERM: 'dumb' } }, terminal, 'red', 'x')).toBe('x');
    expect(paint({ env: { TERM: 'xterm-256color' } }, terminal, 'red', 'x')).toBe('\u001b[31mx\u001b[39m');
  });

  it('honours FORCE_COLOR as Node does: any value but 0 or false paints, pipes too, over NO_COLOR', () => {
    for (const value of ['1', '3', 'true', '']) {
      expect(paint({ env: { FORCE_COLOR: value } }, pipe, 'red', 'x')).toBe('\u001b[31mx\u001b[39m');
    }
    expect(paint({ env: { FORCE_COLOR: '1', NO_COLOR: '1', TERM: 'dumb' } }, pipe, 'red', 'x')).toBe(
      '\u001b[31mx\u001b[39m',
    );
    expect(paint({ env: { FORCE_COLOR: '0' } }, terminal, 'red', 'x')).toBe('x');
    expect(paint({ env: { FORCE_COLOR: 'false' } }, terminal, 'red', 'x')).toBe('x');
  });
});
