import { open, type FileHandle } from 'node:fs/promises';

import type { CliIo } from '../cli-kit/index';
import { ProofError } from '../errors';
import { readJsonFile, readJsonStream } from '../json-file';
import { fileByteSource, LineReader, streamByteSource, type ByteSource } from '../line-reader';

/** The stdin to read for a `-` argument; a ProofError `PROOF_IO` when there is none. */
export function stdinOf(io: CliIo): AsyncIterable<string | Uint8Array> {
  if (io.stdin === undefined) throw new ProofError('PROOF_IO', 'stdin: there is no stdin to read from');
  return io.stdin;
}

/**
 * Reads a whole JSON document from a file, or from stdin when `source` is `-`, with the same
 * bound and the same strictness for both (see {@link readJsonFile}). Throws a `ProofError`:
 * `PROOF_IO` when the input cannot be read, `PROOF_BAD_INPUT` when it is too long or not
 * strict JSON.
 */
export async function readJsonInput(source: string, io: CliIo, subject: string): Promise<unknown> {
  return source === '-' ? readJsonStream(stdinOf(io), 'stdin', subject) : readJsonFile(source, subject);
}

/**
 * Reads a whole text document (a note) from a file, or from stdin when `source` is `-`, as
 * UTF-8; more than `maxBytes` is refused. Throws a `ProofError`: `PROOF_IO` when the input
 * cannot be read, `PROOF_BAD_INPUT` when it is too long or holds a NUL byte.
 */
export async function readTextInput(source: string, io: CliIo, maxBytes: number): Promise<string> {
  let byteSource: ByteSource;
  if (source === '-') {
    byteSource = streamByteSource(stdinOf(io), 'stdin');
  } else {
    let handle: FileHandle;
    try {
      handle = await open(source, 'r');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ProofError('PROOF_IO', `cannot read ${source}: ${reason}`, { cause: error });
    }
    byteSource = fileByteSource(handle, source);
  }
  try {
    return (await new LineReader(byteSource).readWhole(maxBytes)).toString('utf8');
  } finally {
    await byteSource.close();
  }
}
