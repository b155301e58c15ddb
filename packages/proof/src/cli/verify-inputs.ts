import type { CliIo } from '../cli-kit/index';
import { isProofError, ProofError } from '../errors';
import { readJsonFile } from '../json-file';
import { parseCheckpointBody } from '../tlog-checkpoint';
import { parseWitnessPolicy, type WitnessPolicy } from '../witness-policy';
import { readTextInput } from './stdin-input';
import { MAX_CHECKPOINT_BYTES } from './witness-cosign-command';

// The files `verify --since` and `--policy` name are part of the command line: one that is
// missing or malformed is a bad flag value (exit 2, naming the file), never a FAILED verdict,
// which would read as evidence against the log.

/**
 * Reads the tenant checkpoint a reader saved earlier (`--since FILE`): at most 1 MiB, a signed
 * note whose body is a tlog checkpoint. Its signature is not checked here; the verifier checks
 * it against the trusted keys and reports a bad one as FAILED. Throws a `ProofError`
 * `PROOF_BAD_INPUT` naming the file when it cannot be read or is not a signed checkpoint.
 */
export async function readSavedCheckpoint(path: string, io: CliIo): Promise<string> {
  let note: string;
  try {
    note = await readTextInput(path, io, MAX_CHECKPOINT_BYTES);
  } catch (error) {
    if (!isProofError(error, 'PROOF_IO', 'PROOF_BAD_INPUT')) throw error;
    throw new ProofError('PROOF_BAD_INPUT', `--since ${path}: ${error.message}`, { cause: error });
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n') || split + 2 === note.length) {
    throw new ProofError(
      'PROOF_BAD_INPUT',
      `--since ${path}: not a signed checkpoint note (no signature lines after a blank line)`,
    );
  }
  try {
    parseCheckpointBody(note.slice(0, split + 1));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProofError('PROOF_BAD_INPUT', `--since ${path}: not a signed checkpoint note: ${reason}`, {
      cause: error,
    });
  }
  return note;
}

/**
 * Reads and parses a witness policy file (`--policy FILE`, docs/proof.md "Witness policy").
 * Throws a `ProofError`: `PROOF_BAD_INPUT` naming the file when it cannot be read or is not
 * strict JSON, `PROOF_BAD_POLICY` (exit 2 too) when the policy itself is malformed.
 */
export async function readPolicyFile(path: string): Promise<WitnessPolicy> {
  let json: unknown;
  try {
    json = await readJsonFile(path, 'policy');
  } catch (error) {
    if (!isProofError(error, 'PROOF_IO')) throw error;
    throw new ProofError('PROOF_BAD_INPUT', `--policy ${path}: ${error.message}`, { cause: error });
  }
  return parseWitnessPolicy(json);
}
