import { describe, expect, it } from 'vitest';
import { oneLine, PlanGenerationError } from './plan-errors';

describe('PlanGenerationError', () => {
  it('writes NUL characters and lone surrogates of the reason as escapes, so it can be stored', () => {
    const error = new PlanGenerationError('llm planner: the answer is not JSON: a\u0000b \uD800');
    expect(error.message).toBe('llm planner: the answer is not JSON: a\\u0000b \\ud800');
  });
});

describe('oneLine', () => {
  it('collapses whitespace and never cuts a surrogate pair in two', () => {
    expect(oneLine(' a \n\t b ')).toBe('a b');
    expect(oneLine('abc\uD83D\uDE00def', 5)).toBe('abc…');
    expect(oneLine('abcd\uD83D\uDE00', 5)).toBe('abcd…');
  });
});
