import { describe, expect, it } from 'vitest';
import { exitCodeLegend, helpWidth } from './help-layout';

const sink = (isTTY: boolean, columns?: number) => ({ stdout: { write: () => true, isTTY, columns } });

describe('helpWidth', () => {
  it('fits a terminal, up to 120 columns', () => {
    expect(helpWidth(sink(true, 80))).toBe(80);
    expect(helpWidth(sink(true, 200))).toBe(120);
  });

  it('does not wrap for a pipe or a file, nor when the width is unknown', () => {
    expect(helpWidth(sink(false, 80))).toBeNull();
    expect(helpWidth(sink(true))).toBeNull();
  });
});

describe('exitCodeLegend', () => {
  it('numbers the meanings from the table, in its order, leaving out codes a bin does not use', () => {
    expect(exitCodeLegend({ notVerified: 'not verified', ok: 'verified', usage: 'usage error' })).toBe(
      'Exit codes: 0 verified, 2 usage error, 5 not verified.',
    );
    expect(exitCodeLegend({ ok: 'ok', notAuthorised: 'not authorised' }, ' · ')).toBe(
      'Exit codes: 0 ok · 6 not authorised.',
    );
  });
});
