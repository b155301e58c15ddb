import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileDurably } from '../node/durable-file';
import { ProofError } from '../errors';
import { sha256Hex } from '../sha256-hash';
import { parseCheckpointBody } from '../tlog-checkpoint';

/** The latest checkpoint a witness cosigned for one origin. */
export interface OriginState {
  readonly treeSize: number;
  readonly rootHash: string;
  /** The checkpoint note as stored: the log's signatures and the witness's cosignature. */
  readonly note: string;
}

/**
 * One file per origin, `<sha256(origin)>.checkpoint`, holding the latest cosigned checkpoint
 * note. Writes are atomic and durable: a temp file is written and fsynced, renamed over the old
 * file, and the directory is fsynced, so a crash leaves the old or the new checkpoint, never a
 * torn one, and a cosignature is never answered for a state that a crash could roll back.
 */
export class WitnessStateDir {
  private constructor(private readonly dir: string) {}

  static async open(dir: string): Promise<WitnessStateDir> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new ProofError('PROOF_IO', `cannot create witness state directory ${dir}`, { cause: error });
    }
    return new WitnessStateDir(dir);
  }

  async read(origin: string): Promise<OriginState | null> {
    const file = this.fileOf(origin);
    let note: string;
    try {
      note = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return null;
      throw new ProofError('PROOF_IO', `cannot read witness state ${file}`, { cause: error });
    }
    try {
      const split = note.indexOf('\n\n');
      const parsed = parseCheckpointBody(split < 0 ? note : note.slice(0, split + 1));
      if (parsed.origin !== origin) throw new ProofError('PROOF_BAD_NOTE', `holds origin ${parsed.origin}`);
      return { treeSize: parsed.treeSize, rootHash: parsed.rootHash, note };
    } catch (error) {
      // Never treat a damaged state as "no state": that would accept a rolled-back log.
      throw new ProofError('PROOF_BAD_INPUT', `witness state ${file} is damaged; restore it from a backup`, {
        cause: error,
      });
    }
  }

  async write(origin: string, note: string): Promise<void> {
    const file = this.fileOf(origin);
    try {
      await writeFileDurably(file, note);
    } catch (error) {
      throw new ProofError('PROOF_IO', `cannot write witness state ${file}`, { cause: error });
    }
  }

  private fileOf(origin: string): string {
    return join(this.dir, `${sha256Hex(origin)}.checkpoint`);
  }
}
