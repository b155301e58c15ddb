import { describe, expect, it } from 'vitest';
import { ErrorJsonSchema, HelpJsonSchema, VersionJsonSchema } from './json-envelopes';
import { centsOption, databaseUrlOption, durationOption, positiveIntOption } from './option-schemas';

const problem = (result: { success: boolean; error?: { issues: { message: string }[] } }): string | undefined =>
  result.error?.issues[0]?.message;

describe('the shared option schemas', () => {
  it('databaseUrlOption: a postgres URL, or nothing', () => {
    expect(databaseUrlOption.parse(' postgres://aos@db/aos ')).toBe('postgres://aos@db/aos');
    expect(databaseUrlOption.parse('postgresql://db/aos')).toBe('postgresql://db/aos');
    expect(databaseUrlOption.parse(undefined)).toBeUndefined();
    expect(problem(databaseUrlOption.safeParse('mysql://x'))).toBe('must be a postgres:// or postgresql:// URL');
    expect(problem(databaseUrlOption.safeParse(' '))).toBe('must not be empty');
  });

  it('durationOption: a number with a unit, or 0, in milliseconds', () => {
    expect(['0', '500ms', '30s', '15m', '2h', '1d', '1.5s'].map((text) => durationOption.parse(text))).toEqual([
      0, 500, 30_000, 900_000, 7_200_000, 86_400_000, 1500,
    ]);
    expect(problem(durationOption.safeParse('15'))).toBe('"15" is not a duration like 30s, 15m, 2h, 1d or 0');
    expect(problem(durationOption.safeParse('-1s'))).toMatch(/is not a duration/);
    expect(problem(durationOption.safeParse(`${'9'.repeat(20)}d`))).toMatch(/is too long$/);
  });

  it('centsOption: a non-negative amount of cents, at most 1e12', () => {
    expect(centsOption.parse('0')).toBe(0);
    expect(centsOption.parse('12.5')).toBe(12.5);
    expect(problem(centsOption.safeParse('-1'))).toBe('must be a non-negative number of cents');
    expect(problem(centsOption.safeParse('1e3'))).toBe('must be a non-negative number of cents');
    expect(problem(centsOption.safeParse('1000000000001'))).toBe('must be at most 1e12 cents');
  });

  it('positiveIntOption: a whole number from 1 to 1e9, as typed', () => {
    expect(positiveIntOption.parse('50')).toBe(50);
    expect(problem(positiveIntOption.safeParse('0'))).toBe('must be at least 1');
    expect(problem(positiveIntOption.safeParse('0x10'))).toBe('must be a positive whole number');
    expect(problem(positiveIntOption.safeParse('1000000001'))).toBe('must be at most 1000000000');
  });
});

describe('the JSON envelopes', () => {
  it('ErrorJsonSchema: exactly {error:{code,message}}, an upper-case code and a message', () => {
    expect(ErrorJsonSchema.parse({ error: { code: 'USAGE', message: 'x' } })).toEqual({
      error: { code: 'USAGE', message: 'x' },
    });
    for (const bad of [
      { error: { code: 'usage', message: 'x' } },
      { error: { code: 'USAGE', message: '' } },
      { error: { code: 'USAGE', message: 'x', extra: 1 } },
      { error: { code: 'USAGE', message: 'x' }, result: {} },
    ]) {
      expect(ErrorJsonSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('VersionJsonSchema and HelpJsonSchema: one non-empty string each', () => {
    expect(VersionJsonSchema.parse({ version: '0.1.0' })).toEqual({ version: '0.1.0' });
    expect(HelpJsonSchema.safeParse({ help: '' }).success).toBe(false);
    expect(HelpJsonSchema.safeParse({ help: 'x', version: '1' }).success).toBe(false);
  });
});
