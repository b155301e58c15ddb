import { readFile } from 'node:fs/promises';

import { ProofError } from '../errors';

/** Where a command line reads and writes; `bin.ts` passes the process streams. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  stdin: AsyncIterable<string | Uint8Array>;
}

/**
 * Reads a JSON document from a file, or from stdin when `source` is `-`. Throws a
 * {@link ProofError}: `PROOF_IO` when the file cannot be read, `PROOF_BAD_INPUT` when the
 * text is not JSON.
 */
export async function readJsonInput(source: string, io: CliIo): Promise<unknown> {
  const label = source === '-' ? 'stdin' : source;
  let text: string;
  try {
    text = source === '-' ? await readAll(io.stdin) : await readFile(source, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofError('PROOF_IO', `cannot read ${label}: ${reason}`, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofError('PROOF_BAD_INPUT', `${label} is not JSON: ${reason}`, { cause: error });
  }
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
