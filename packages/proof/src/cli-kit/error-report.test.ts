import { describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io';
import { CliError, UsageError } from './errors';
import { reportError } from './error-report';

function bufferIo(options: { env?: NodeJS.ProcessEnv; tty?: boolean } = {}) {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: options.tty ?? false },
    env: options.env ?? {},
  };
  return { io, out: () => out, err: () => err };
}

describe('reportError', () => {
  it('with --json: one {"error":{code,message}} document on stdout, nothing on stderr', () => {
    const { io, out, err } = bufferIo();
    expect(reportError(io, new CliError('KEY_NOT_FOUND', 'no signing key yet', 3), true)).toBe(3);
    expect(out()).toBe('{\n  "error": {\n    "code": "KEY_NOT_FOUND",\n    "message": "no signing key yet"\n  }\n}\n');
    expect(err()).toBe('');
  });

  it('without --json: one line `error: <message>` on stderr, nothing on stdout', () => {
    const { io, out, err } = bufferIo();
    expect(reportError(io, new UsageError('Unknown argument: x (see demo --help)'), false)).toBe(2);
    expect(err()).toBe('error: Unknown argument: x (see demo --help)\n');
    expect(out()).toBe('');
  });

  it('keeps only the first line of a message, in both forms', () => {
    const error = new Error('first line\n    at somewhere\nmore');
    const text = bufferIo();
    expect(reportError(text.io, error, false)).toBe(1);
    expect(text.err()).toBe('error: first line\n');
    const json = bufferIo();
    reportError(json.io, error, true);
    expect(JSON.parse(json.out())).toEqual({ error: { code: 'INTERNAL', message: 'first line' } });
  });

  it('reports what is not an Error, and an empty message, with a message still', () => {
    const thrown = bufferIo();
    expect(reportError(thrown.io, 'plain text thrown', true)).toBe(1);
    expect(JSON.parse(thrown.out())).toEqual({ error: { code: 'INTERNAL', message: 'plain text thrown' } });
    const empty = bufferIo();
    reportError(empty.io, new Error(''), false);
    expect(empty.err()).toBe('error: unknown error\n');
  });

  it('colours `error:` red on a terminal, unless NO_COLOR is set', () => {
    const tty = bufferIo({ tty: true });
    reportError(tty.io, new Error('boom'), false);
    expect(tty.err()).toBe('\u001b[31merror:\u001b[39m boom\n');
    const noColor = bufferIo({ tty: true, env: { NO_COLOR: '1' } });
    reportError(noColor.io, new Error('boom'), false);
    expect(noColor.err()).toBe('error: boom\n');
  });
});
