import { bytesToHex } from '#platform';

import { verifyConsistency } from '../merkle-consistency';
import { decodeBase64, type VerifierKey } from '../note-key';
import { sha256Hex } from '../sha256-hash';
import { verifyNote } from '../signed-note';
import { cosignCheckpoint, type CosignerKey } from '../tlog-cosignature';
import { parseCheckpointBody, type ParsedCheckpoint } from '../tlog-checkpoint';
import type { WitnessStateDir } from './witness-state';

const OLD_SIZE_LINE = /^old (0|[1-9][0-9]*)$/;
/** c2sp.org/tlog-witness: a client MUST NOT send more than 63 consistency proof lines. */
const MAX_PROOF_LINES = 63;
const EMPTY_TREE = sha256Hex('');

/** What the witness answers: an HTTP status, a content type and a body. */
export interface WitnessReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** What `add-checkpoint` needs: the witness key, its trusted log keys, its state and a clock. */
export interface AddCheckpointContext {
  readonly cosigner: CosignerKey;
  readonly logKeys: readonly VerifierKey[];
  readonly state: WitnessStateDir;
  /** POSIX seconds. */
  readonly now: () => number;
  /** Serialises the check and the write per origin (see the race in c2sp.org/tlog-witness). */
  readonly lock: <T>(origin: string, work: () => Promise<T>) => Promise<T>;
}

const text = (status: number, body: string): WitnessReply => ({
  status,
  contentType: 'text/plain; charset=utf-8',
  body: body.endsWith('\n') ? body : `${body}\n`,
});

/**
 * c2sp.org/tlog-witness `POST /add-checkpoint`: 400 for a malformed request or an old size above
 * the checkpoint's, 404 for an origin no log key covers, 403 without a valid signature by a
 * trusted log key, 409 (`text/x.tlog.size`, the witness's size) when `old` is not its latest
 * size, 422 for a bad consistency proof or a different root at the same size (a split view);
 * otherwise the checkpoint is persisted and the cosignature line answered.
 */
export async function addCheckpoint(context: AddCheckpointContext, request: string): Promise<WitnessReply> {
  const parsed = parseRequest(request);
  if (typeof parsed === 'string') return text(400, parsed);
  const { oldSize, proof, note, checkpoint } = parsed;
  const keys = context.logKeys.filter(
    (key) => checkpoint.origin === key.name || checkpoint.origin.startsWith(`${key.name}/`),
  );
  if (keys.length === 0) return text(404, `unknown log origin ${checkpoint.origin}`);
  const verified = verifyNote(note, keys);
  if (!verified.valid) return text(403, `checkpoint not signed by a trusted log key: ${verified.reason ?? ''}`);
  if (oldSize > checkpoint.treeSize) {
    return text(400, `old size ${oldSize} is above the checkpoint size ${checkpoint.treeSize}`);
  }
  return context.lock(checkpoint.origin, async () => {
    const current = await context.state.read(checkpoint.origin);
    const currentSize = current?.treeSize ?? 0;
    if (oldSize !== currentSize) {
      return { status: 409, contentType: 'text/x.tlog.size', body: `${currentSize}\n` };
    }
    if (checkpoint.treeSize === 0 && checkpoint.rootHash !== EMPTY_TREE) {
      return text(422, 'a checkpoint of size 0 must have the root of the empty tree');
    }
    if (current === null || currentSize === 0) {
      if (proof.length > 0) return text(422, 'the consistency proof from the empty tree must be empty');
    } else if (
      !verifyConsistency({
        oldSize: currentSize,
        newSize: checkpoint.treeSize,
        oldRoot: current.rootHash,
        newRoot: checkpoint.rootHash,
        proof,
      })
    ) {
      return text(
        422,
        currentSize === checkpoint.treeSize
          ? `a different root for size ${currentSize} than the one this witness cosigned (split view)`
          : `the consistency proof from size ${currentSize} to ${checkpoint.treeSize} does not verify`,
      );
    }
    const line = cosignCheckpoint(note, context.cosigner, context.now());
    await context.state.write(checkpoint.origin, note + line);
    return text(200, line);
  });
}

interface AddCheckpointRequest {
  oldSize: number;
  proof: string[];
  note: string;
  checkpoint: ParsedCheckpoint;
}

/** The request, or why it is malformed. */
function parseRequest(request: string): AddCheckpointRequest | string {
  const blank = request.indexOf('\n\n');
  if (blank < 0) return 'request must hold an old size line, proof lines, a blank line and a checkpoint';
  const [first, ...proofLines] = request.slice(0, blank).split('\n');
  const old = OLD_SIZE_LINE.exec(first ?? '');
  const oldSize = Number(old?.[1]);
  if (old === null || !Number.isSafeInteger(oldSize)) return 'the first line must be "old <size>"';
  if (proofLines.length > MAX_PROOF_LINES) return `more than ${MAX_PROOF_LINES} consistency proof lines`;
  const proof: string[] = [];
  for (const [i, line] of proofLines.entries()) {
    const hash = decodeBase64(line);
    if (hash === null || hash.length !== 32) return `consistency proof line ${i + 1} is not base64 of 32 bytes`;
    proof.push(bytesToHex(hash));
  }
  const note = request.slice(blank + 2);
  const split = note.indexOf('\n\n');
  if (split < 0) return 'the checkpoint has no signatures';
  try {
    return { oldSize, proof, note, checkpoint: parseCheckpointBody(note.slice(0, split + 1)) };
  } catch (error) {
    return error instanceof Error ? error.message : 'malformed checkpoint';
  }
}
