import { readJsonFile, readJsonStream } from '../json-file';

/** Where a command line reads and writes; `bin.ts` passes the process streams. */
export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  stdin: AsyncIterable<string | Uint8Array>;
}

/**
 * Reads a whole JSON document from a file, or from stdin when `source` is `-`, with the same
 * bound and the same strictness for both (see {@link readJsonFile}). Throws a `ProofError`:
 * `PROOF_IO` when the input cannot be read, `PROOF_BAD_INPUT` when it is too long or not
 * strict JSON.
 */
export async function readJsonInput(source: string, io: CliIo, subject: string): Promise<unknown> {
  return source === '-' ? readJsonStream(io.stdin, 'stdin', subject) : readJsonFile(source, subject);
}
