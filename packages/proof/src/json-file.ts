import { constants as bufferConstants } from 'node:buffer';
import { open, type FileHandle } from 'node:fs/promises';

import { ProofError } from './errors';
import { fileByteSource, LineReader, streamByteSource, type ByteSource } from './line-reader';
import { parseStrictJson } from './strict-json';

/**
 * Reads a whole JSON document from a file, as every verifier reads one: at most the longest
 * string V8 can build (reading stops there, so `/dev/zero` is refused, not swallowed), with
 * repeated member names and nesting deeper than 64 levels refused. Throws a
 * {@link ProofError}: `PROOF_IO` when the file cannot be read, `PROOF_BAD_INPUT` when it is too
 * long, not JSON, or not strict JSON (`<subject>: <path>: duplicate key "…"`).
 */
export async function readJsonFile(path: string, subject: string): Promise<unknown> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new ProofError('PROOF_IO', `cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  return readJson(fileByteSource(handle, path), subject);
}

/**
 * {@link readJsonFile} for a stream (stdin), which is destroyed once read or refused.
 */
export async function readJsonStream(
  stream: AsyncIterable<string | Uint8Array>,
  label: string,
  subject: string,
): Promise<unknown> {
  return readJson(streamByteSource(stream, label), subject);
}

async function readJson(source: ByteSource, subject: string): Promise<unknown> {
  try {
    const whole = await new LineReader(source).readWhole(bufferConstants.MAX_STRING_LENGTH);
    return parseStrictJson(whole.toString('utf8'), source.label, { subject });
  } finally {
    await source.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
