import { Readable } from 'node:stream';

import type { CliIo } from '../src/cli-kit/index';

/** In-memory streams for calling `main` in-process. */
export function captureIo(stdinText = ''): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    env: {},
    stdin: Readable.from([Buffer.from(stdinText, 'utf8')]),
    out: () => out,
    err: () => err,
  };
}
