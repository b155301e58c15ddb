import { readFile } from 'node:fs/promises';

import { ProofError } from './errors';

/**
 * Reads a whole JSON file. Throws a {@link ProofError}: `PROOF_IO` when the file cannot be read
 * (or is longer than the longest string V8 can build), `PROOF_BAD_INPUT` when it is not JSON.
 */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ProofError('PROOF_IO', `cannot read ${path}: ${messageOf(error)}`, { cause: error });
  }
  return parseJsonText(text, path);
}

/** `JSON.parse`, throwing `PROOF_BAD_INPUT` `<label> is not JSON: …` for bad text. */
export function parseJsonText(text: string, label: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ProofError('PROOF_BAD_INPUT', `${label} is not JSON: ${messageOf(error)}`, { cause: error });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
