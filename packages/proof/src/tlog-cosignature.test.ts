import { createPublicKey, verify } from 'node:crypto';
import { ed25519PublicKeyBytes } from '#platform';

import { describe, expect, it } from 'vitest';

import { ProofError } from './errors';
import { generateSigningKey, parseSigningKey } from './note-key';
import { verifyNote } from './signed-note';
import {
  cosignatureTimestamp,
  cosignCheckpoint,
  cosignerKeyFrom,
  parseCosignatureVerifierKey,
  verifyCosignature,
} from './tlog-cosignature';
import { signCheckpoint } from './tlog-checkpoint';

// github.com/transparency-dev/formats (commit 0b850f1) witness/witness_test.go: a witness key pair
// in note format (type 0x01), which Go's NewSignerForCosignatureV1 uses as a cosigner key.
const WIT1_SKEY = 'PRIVATE+KEY+Wit1+55ee4561+AeadRiG7XM4XiieCHzD8lxysXMwcViy5nYsoXURWGrlE';
const WIT1_VKEY = 'Wit1+55ee4561+AVhZSmQj9+SoL+p/nN0Hh76xXmF7QcHfytUrI1XfSClk';
// Same source, note/note_cosigv1_test.go TestCoSigV1NewVerifier: a native type 0x04 cosigner key
// whose key id is SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4].
const REMORA_VKEY = 'remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2';
const TEST_NOTE_VKEY = 'TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6';

const logKey = generateSigningKey('example.com/log');
const ROOT = '0a'.repeat(32);
const checkpoint = signCheckpoint({ origin: 'example.com/log', treeSize: 123, rootHash: ROOT }, logKey);
const witness = cosignerKeyFrom(parseSigningKey(WIT1_SKEY));

describe('cosigner keys', () => {
  it('computes the type 0x04 key id of a published cosignature/v1 key', () => {
    expect(parseCosignatureVerifierKey(REMORA_VKEY).keyId).toBe('da77ade7');
  });

  it('accepts a published type 0x01 note key as a cosigner key, with the 0x04 key id', () => {
    const asNoteKey = parseCosignatureVerifierKey(WIT1_VKEY);
    expect(asNoteKey.keyId).toBe(witness.keyId);
    expect(asNoteKey.keyId).not.toBe('55ee4561');
    expect(parseCosignatureVerifierKey(TEST_NOTE_VKEY).name).toBe('TEST');
    expect(parseCosignatureVerifierKey(witness.verifierKey).keyId).toBe(witness.keyId);
    expect(witness.verifierKey).toMatch(/^Wit1\+[0-9a-f]{8}\+BF/);
  });

  it('refuses a wrong key id, another signature type and malformed text', () => {
    for (const text of [
      'remora.n621.de+da77ade8+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2',
      'bananas.sigstore.dev+12344556',
      'rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!',
      'rekor.sigstore.dev+12345678+AwEB',
      '',
    ]) {
      expect(() => parseCosignatureVerifierKey(text)).toThrow(ProofError);
    }
  });
});

describe('cosignCheckpoint and verifyCosignature', () => {
  it('signs "cosignature/v1\\ntime <t>\\n" + the checkpoint body (c2sp.org/tlog-cosignature)', () => {
    const line = cosignCheckpoint(checkpoint, witness, 1679315147);
    expect(line).toMatch(/^— Wit1 [A-Za-z0-9+/]+=*\n$/);
    const payload = Buffer.from(line.slice('— Wit1 '.length, -1), 'base64');
    expect(payload.length).toBe(76);
    expect(payload.toString('hex', 0, 4)).toBe(witness.keyId);
    expect(payload.readBigUInt64BE(4)).toBe(1679315147n);
    const body = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);
    const message = Buffer.from(`cosignature/v1\ntime 1679315147\n${body}`, 'utf8');
    // Checked by OpenSSL, whichever implementation (#platform) signed it.
    const spki = Buffer.concat([
      Buffer.from('302a300506032b6570032100', 'hex'),
      ed25519PublicKeyBytes(witness.publicKey),
    ]);
    const openssl = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    expect(verify(null, message, openssl, payload.subarray(12))).toBe(true);
  });

  it('round-trips: the appended line verifies with the witness key, and the log signature still verifies', () => {
    const cosigned = checkpoint + cosignCheckpoint(checkpoint, witness, 1700000000);
    expect(verifyCosignature(cosigned, WIT1_VKEY)).toEqual({ valid: true, timestamp: 1700000000 });
    expect(verifyCosignature(cosigned, witness.verifierKey).valid).toBe(true);
    expect(verifyNote(cosigned, [logKey.verifierKey]).valid).toBe(true);
  });

  it('is not a plain note signature: the note key of the same key pair does not see it', () => {
    const body = checkpoint.slice(0, checkpoint.indexOf('\n\n') + 1);
    const cosignedBody = `${body}\n${cosignCheckpoint(body, witness, 1700000000)}`;
    expect(verifyNote(cosignedBody, [WIT1_VKEY])).toMatchObject({
      valid: false,
      reason: 'no signature by a trusted key',
    });
  });

  it('covers extension lines, the root, the size and the timestamp', () => {
    const extended = signCheckpoint({ origin: 'example.com/log', treeSize: 123, rootHash: ROOT }, logKey).replace(
      '\n\n',
      '\nExtendo\n\n',
    );
    const line = cosignCheckpoint(extended, witness, 1700000000);
    expect(verifyCosignature(extended + line, witness.verifierKey).valid).toBe(true);
    expect(verifyCosignature(extended.replace('Extendo', 'Extendx') + line, witness.verifierKey).valid).toBe(false);
    const resized = (checkpoint + cosignCheckpoint(checkpoint, witness, 1700000000)).replace('\n123\n', '\n124\n');
    expect(verifyCosignature(resized, witness.verifierKey)).toMatchObject({ valid: false });
    const payload = Buffer.from(line.slice('— Wit1 '.length, -1), 'base64');
    payload.writeBigUInt64BE(1700000001n, 4);
    const retimed = `${extended}— Wit1 ${payload.toString('base64')}\n`;
    expect(verifyCosignature(retimed, witness.verifierKey).reason).toMatch(/does not verify/);
  });

  it('reports a missing cosignature, another witness and a malformed note', () => {
    const other = cosignerKeyFrom(generateSigningKey('Wit1'));
    const cosigned = checkpoint + cosignCheckpoint(checkpoint, other, 1700000000);
    expect(verifyCosignature(checkpoint, witness.verifierKey).reason).toMatch(/no cosignature by Wit1/);
    expect(verifyCosignature(cosigned, witness.verifierKey).valid).toBe(false);
    expect(verifyCosignature('not a note', witness.verifierKey).valid).toBe(false);
    expect(verifyCosignature('a\nb\n\n— Wit1 AAAA\n', witness.verifierKey).valid).toBe(false);
  });

  it('refuses a body that is not a checkpoint and a bad timestamp', () => {
    expect(() => cosignCheckpoint('one line\n', witness, 1)).toThrow(ProofError);
    expect(() => cosignCheckpoint(checkpoint, witness, -1)).toThrow(/timestamp/);
    expect(() => cosignCheckpoint(checkpoint, witness, 1.5)).toThrow(/timestamp/);
  });
});

describe('cosignatureTimestamp', () => {
  it('reads the published timestamps', () => {
    // c2sp.org/tlog-cosignature, the example cosigned checkpoint (its message shows time 1679315147).
    const specLine =
      '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==';
    expect(cosignatureTimestamp(specLine)).toBe(1679315147);
    // transparency-dev/formats note/note_cosigv1_test.go TestCoSigV1Timestamp "works".
    const goLine =
      '— w ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==';
    expect(cosignatureTimestamp(goLine)).toBe(1727964367);
    // Same test, "wrong type of signature": a 68-byte plain note signature has no timestamp.
    const plain = '— w eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=';
    expect(cosignatureTimestamp(plain)).toBeNull();
    expect(cosignatureTimestamp('— w 5%/$!')).toBeNull();
  });
});
