import { describe, expect, it } from 'vitest';

import { ProofError } from './errors';
import { generateSigningKey, parseSigningKey, parseVerifierKey } from './note-key';
import { signNote, verifyNote } from './signed-note';

// golang.org/x/mod/sumdb/note: the documented example and note_test.go.
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// c2sp.org/signed-note example.
const SPEC_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const SPEC_NOTE =
  'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

describe('signNote', () => {
  it('reproduces the Go reference note byte for byte (Ed25519 is deterministic)', () => {
    expect(signNote(GO_TEXT, parseSigningKey(PETER_SKEY))).toBe(`${GO_TEXT}\n${PETER_SIG}`);
  });

  it.each([
    ['no final newline', 'text'],
    ['a carriage return', 'a\r\nb\n'],
    ['a lone surrogate', 'a\ud800\n'],
  ])('refuses a body with %s', (_name, body) => {
    expect(() => signNote(body, parseSigningKey(PETER_SKEY))).toThrow(ProofError);
  });
});

describe('verifyNote', () => {
  it('verifies the C2SP spec example', () => {
    expect(verifyNote(SPEC_NOTE, [SPEC_VKEY])).toEqual({
      valid: true,
      body: 'This is an example message.\n',
      verifiedBy: ['example.com/foo'],
    });
  });

  it('verifies the Go example, ignoring a signature by a key it does not trust', () => {
    const note = `${GO_TEXT}\n${PETER_SIG}${ENOCH_SIG}`;
    expect(verifyNote(note, [PETER_VKEY])).toMatchObject({ valid: true, verifiedBy: ['PeterNeumann'] });
    expect(verifyNote(note, [parseVerifierKey(ENOCH_VKEY), PETER_VKEY])).toMatchObject({
      valid: true,
      body: GO_TEXT,
      verifiedBy: ['PeterNeumann', 'EnochRoot'],
    });
  });

  it('round-trips a generated key', () => {
    const key = generateSigningKey('aos.test');
    const note = signNote('origin\n1\nAAAA\n\nwith a blank line inside\n', key);
    const result = verifyNote(note, [key.verifierKey]);
    expect(result).toEqual({
      valid: true,
      body: 'origin\n1\nAAAA\n\nwith a blank line inside\n',
      verifiedBy: ['aos.test'],
    });
  });

  it('refuses a note signed by another key, even under the same name', () => {
    const key = generateSigningKey('aos.test');
    const impostor = generateSigningKey('aos.test');
    const result = verifyNote(signNote('hello\n', impostor), [key.verifierKey]);
    expect(result).toMatchObject({ valid: false, verifiedBy: [], reason: 'no signature by a trusted key' });
  });

  it('refuses a tampered body', () => {
    const key = generateSigningKey('aos.test');
    const note = signNote('aos.test/acme/r1\n3\nAAAA\n', key).replace('\n3\n', '\n4\n');
    expect(verifyNote(note, [key.verifierKey])).toMatchObject({
      valid: false,
      reason: `signature by aos.test (key id ${key.keyId}) does not verify`,
    });
  });

  it('refuses a note with no trusted keys at all', () => {
    expect(verifyNote(SPEC_NOTE, [])).toMatchObject({ valid: false, reason: 'no signature by a trusted key' });
  });

  it.each([
    ['an empty note', ''],
    ['no blank line', `${GO_TEXT}${PETER_SIG}`],
    ['no signature line', `${GO_TEXT}\n`],
    ['no final newline', `${GO_TEXT}\n${PETER_SIG.trimEnd()}`],
    ['a line without the em dash', `${GO_TEXT}\n- PeterNeumann AAAA\n`],
    ['a short signature', `${GO_TEXT}\n\u2014 PeterNeumann AAAA\n`],
    ['bad base64', `${GO_TEXT}\n\u2014 PeterNeumann !!!!\n`],
    ['a control character', `${GO_TEXT.replace('\n', '\r\n')}\n${PETER_SIG}`],
  ])('reports %s as not valid, with a reason, without throwing', (_name, note) => {
    const result = verifyNote(note, [PETER_VKEY]);
    expect(result.valid).toBe(false);
    expect(result.verifiedBy).toEqual([]);
    expect(result.reason).toEqual(expect.any(String));
  });

  it('throws only for a malformed trusted key', () => {
    expect(() => verifyNote(SPEC_NOTE, ['not a key'])).toThrow(/verifier key "not a key"/);
  });
});
