import { describe, expect, it } from 'vitest';
import { CliError, UsageError } from './errors';
import { EXIT_CODES, errorCodeOf, exitCodeForError } from './exit-codes';

const withCode = (code: string): Error => Object.assign(new Error(`failed with ${code}`), { code });

describe('the one exit-code table', () => {
  it('is the table of docs/cus-cli.md, for every bin', () => {
    expect(EXIT_CODES).toEqual({
      ok: 0,
      operational: 1,
      usage: 2,
      notFound: 3,
      runNotSucceeded: 4,
      notVerified: 5,
      notAuthorised: 6,
    });
  });

  it.each([
    // @aos/core
    ['INVALID_INPUT', 2],
    ['CONFIG_INVALID', 2],
    ['IDEMPOTENCY_CONFLICT', 2],
    ['AGENT_NOT_ACTIVE', 2],
    ['AGENT_ARCHIVED', 2],
    ['RUN_FINISHED', 2],
    ['RUN_EXECUTING', 1],
    ['AGENT_NOT_FOUND', 3],
    ['RUN_NOT_FOUND', 3],
    ['SECRET_NOT_FOUND', 3],
    ['KEY_NOT_FOUND', 3],
    ['DB_OPEN_FAILED', 1],
    ['DB_LOCKED', 1],
    ['BUDGET_EXCEEDED', 1],
    ['INTERNAL', 1],
    // @aos/proof
    ['PROOF_USAGE', 2],
    ['PROOF_BAD_INPUT', 2],
    ['PROOF_BAD_KEY', 2],
    ['PROOF_KEY_EXPOSED', 2],
    ['PROOF_BAD_BUNDLE', 2],
    ['PROOF_BAD_POLICY', 2],
    ['PROOF_NOT_FOUND', 3],
    ['PROOF_IO', 1],
    ['PROOF_NOT_SEALED', 1],
    // the command lines, and the remote mode's
    ['USAGE', 2],
    ['UNAUTHENTICATED', 6],
    ['FORBIDDEN', 6],
  ])('maps an error with code %s to exit %i', (code, exit) => {
    expect(exitCodeForError(withCode(code))).toBe(exit);
  });

  it('honours an exit code the error carries, if it is one of the table’s error codes', () => {
    expect(exitCodeForError(new CliError('KEY_NOT_FOUND', 'no signing key yet', EXIT_CODES.notFound))).toBe(3);
    expect(exitCodeForError(new CliError('KEY_EXISTS', 'already exists', EXIT_CODES.usage))).toBe(2);
    // The carried code wins over the one the code string implies.
    expect(exitCodeForError(Object.assign(withCode('INVALID_INPUT'), { exitCode: 4 }))).toBe(4);
    for (const exitCode of [0, 7, 2.5, '3', -1]) {
      expect(exitCodeForError(Object.assign(withCode('INVALID_INPUT'), { exitCode }))).toBe(2);
    }
  });

  it('gives 2 to the kit’s usage errors, whatever their code', () => {
    expect(exitCodeForError(new UsageError('Unknown argument: x'))).toBe(2);
    expect(exitCodeForError(new UsageError('Unknown argument: x', { code: 'PROOF_USAGE' }))).toBe(2);
  });

  it('gives 1 to anything without a known code', () => {
    for (const error of [new TypeError('oops'), 'a string', null, undefined, 42, { code: 7 }]) {
      expect(exitCodeForError(error)).toBe(1);
    }
  });
});

describe('errorCodeOf', () => {
  it('is the error’s code when it is an upper-case identifier', () => {
    expect(errorCodeOf(withCode('RUN_NOT_FOUND'))).toBe('RUN_NOT_FOUND');
    expect(errorCodeOf(new UsageError('x'))).toBe('USAGE');
    expect(errorCodeOf(new CliError('KEY_EXISTS', 'x', 2))).toBe('KEY_EXISTS');
  });

  it('is INTERNAL otherwise, so no odd text reaches the JSON document', () => {
    for (const error of [new Error('plain'), withCode('ERR_lower'), withCode('X'), withCode(''), { code: 7 }, null]) {
      expect(errorCodeOf(error)).toBe('INTERNAL');
    }
  });
});
