import { bytesToBase64, bytesToHex, concatBytes, ed25519Sign, ed25519Verify, hexToBytes, utf8Bytes } from '#platform';

import { ProofError } from './errors';
import { decodeBase64, isValidKeyName, parseVerifierKey, type SigningKey, type VerifierKey } from './note-key';

const SIGNATURE_PREFIX = '\u2014 ';
/** Far above the 16 the spec requires verifiers to accept, and a bound on work per note. */
const MAX_SIGNATURES = 100;
// Notes must be valid UTF-8 (no lone surrogate in a JS string) with no control character
// other than newline.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const FORBIDDEN_IN_NOTE = /[\u0000-\u0009\u000B-\u001F]|[\uD800-\uDFFF]/u;

/**
 * Signs `body` as a C2SP signed note (c2sp.org/signed-note) with an Ed25519 key: returns
 * `body + "\n" + "— <name> base64(keyid ‖ signature)\n"`. The body must end with a newline
 * and hold no control character other than newline; otherwise a {@link ProofError}
 * `PROOF_BAD_NOTE` is thrown.
 *
 * @example
 * ```ts
 * const note = signNote('aos.local/acme/run-1\n3\nq83v…=\n', key);
 * ```
 */
export function signNote(body: string, key: SigningKey): string {
  assertNoteText(body);
  if (!isValidKeyName(key.name)) {
    throw new ProofError('PROOF_BAD_KEY', `key name ${JSON.stringify(key.name)} is invalid`);
  }
  const signature = ed25519Sign(utf8Bytes(body), key.privateKey);
  const payload = bytesToBase64(concatBytes(hexToBytes(key.keyId), signature));
  return `${body}\n${SIGNATURE_PREFIX}${key.name} ${payload}\n`;
}

/**
 * The outcome of {@link verifyNote}.
 *
 * @example
 * ```ts
 * const { valid, body, verifiedBy }: NoteVerification = verifyNote(note, trustedKeys);
 * ```
 */
export interface NoteVerification {
  /** True only when at least one signature by a trusted key verifies and none fails. */
  valid: boolean;
  /** The note text (ending with a newline); `''` when the note cannot be parsed. Only to be
   * trusted when `valid`. */
  body: string;
  /** Names of the trusted keys whose signatures verified. */
  verifiedBy: string[];
  /** Why the note is not valid. */
  reason?: string;
}

/**
 * Verifies a C2SP signed note against trusted keys (verifier key strings or parsed
 * {@link VerifierKey}s). Signatures by unknown keys (name and key id not both matching a
 * trusted key) are ignored; a signature by a trusted key that fails makes the whole note
 * invalid; a malformed note is invalid with a `reason`. Never throws for a bad note; throws a
 * {@link ProofError} `PROOF_BAD_KEY` only when a given verifier key string is malformed.
 *
 * @example
 * ```ts
 * const { valid, body, reason } = verifyNote(checkpoint, ['aos.local+c0ffee00+AR…']);
 * if (!valid) throw new Error(`checkpoint rejected: ${reason}`);
 * ```
 */
export function verifyNote(note: string, verifierKeys: readonly (string | VerifierKey)[]): NoteVerification {
  const trusted = new Map<string, VerifierKey>();
  for (const key of verifierKeys) {
    const parsed = typeof key === 'string' ? parseVerifierKey(key) : key;
    trusted.set(`${parsed.name}+${parsed.keyId}`, parsed);
  }
  const invalid = (reason: string, body = ''): NoteVerification => ({
    valid: false,
    body,
    verifiedBy: [],
    reason,
  });
  if (typeof note !== 'string' || note === '') return invalid('note is empty');
  if (FORBIDDEN_IN_NOTE.test(note)) {
    return invalid('note holds a control character or invalid UTF-16/UTF-8 text');
  }
  const split = note.lastIndexOf('\n\n');
  if (split < 0) return invalid('note has no blank line before its signatures');
  const body = note.slice(0, split + 1);
  const block = note.slice(split + 2);
  if (block === '' || !block.endsWith('\n')) {
    return invalid('note has no signature lines ending with a newline', body);
  }
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) {
    return invalid(`note has more than ${MAX_SIGNATURES} signatures`, body);
  }
  const message = utf8Bytes(body);
  const verifiedBy: string[] = [];
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const parsed = parseSignatureLine(line);
    if (parsed === null) return invalid(`signature line ${i + 1} is malformed`, body);
    const id = `${parsed.name}+${parsed.keyId}`;
    const key = trusted.get(id);
    if (key === undefined || seen.has(id)) continue;
    seen.add(id);
    const ok = ed25519Verify(parsed.signature, message, key.publicKey);
    if (!ok) {
      return invalid(`signature by ${key.name} (key id ${key.keyId}) does not verify`, body);
    }
    verifiedBy.push(key.name);
  }
  if (verifiedBy.length === 0) return invalid('no signature by a trusted key', body);
  return { valid: true, body, verifiedBy };
}

function parseSignatureLine(line: string): { name: string; keyId: string; signature: Uint8Array } | null {
  if (!line.startsWith(SIGNATURE_PREFIX)) return null;
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  if (space < 0) return null;
  const name = rest.slice(0, space);
  if (!isValidKeyName(name)) return null;
  const payload = decodeBase64(rest.slice(space + 1));
  if (payload === null || payload.length < 5) return null;
  return { name, keyId: bytesToHex(payload, 0, 4), signature: payload.subarray(4) };
}

/** Throws PROOF_BAD_NOTE unless `text` can be the text of a signed note. */
export function assertNoteText(text: string): void {
  if (typeof text !== 'string' || !text.endsWith('\n')) {
    throw new ProofError('PROOF_BAD_NOTE', 'note text must end with a newline');
  }
  if (FORBIDDEN_IN_NOTE.test(text)) {
    throw new ProofError(
      'PROOF_BAD_NOTE',
      'note text must be valid Unicode with no control character other than newline',
    );
  }
}
