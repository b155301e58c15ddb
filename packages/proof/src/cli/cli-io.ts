import { ProofError } from '../errors';
import { parseJsonText, readJsonFile } from '../json-file';

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
  if (source !== '-') return readJsonFile(source);
  let text: string;
  try {
    text = await readAll(io.stdin);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofError('PROOF_IO', `cannot read stdin: ${reason}`, { cause: error });
  }
  return parseJsonText(text, 'stdin');
}

async function readAll(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}
