import { describe, expect, it } from 'vitest';

import { isProofError } from './errors';
import { generateSigningKey } from './note-key';
import { signNote } from './signed-note';
import { cosignCheckpoint, cosignerKeyFrom, type CosignerKey } from './tlog-cosignature';
import { signCheckpoint } from './tlog-checkpoint';
import { parseWitnessPolicy, verifyCosignatureQuorum } from './witness-policy';

const logKey = generateSigningKey('aos.test');
const otherLogKey = generateSigningKey('aos.test');
const w1 = cosignerKeyFrom(generateSigningKey('w1.test'));
const w2 = cosignerKeyFrom(generateSigningKey('w2.test'));
const w3 = cosignerKeyFrom(generateSigningKey('w3.test'));
const stranger = cosignerKeyFrom(generateSigningKey('stranger.test'));
const fields = { origin: 'aos.test/tenants/acme', treeSize: 5, rootHash: 'ab'.repeat(32) };
const checkpoint = signCheckpoint(fields, logKey);
const T = 1_700_000_000;

function policyJson(quorum: number, logKeys = [logKey.verifierKey]): Record<string, unknown> {
  return {
    log_keys: logKeys,
    witnesses: [
      { name: 'alpha', key: w1.verifierKey },
      { name: 'beta', key: w2.verifierKey },
      { name: 'gamma', key: w3.verifierKey },
    ],
    quorum,
  };
}

function cosign(note: string, ...witnesses: CosignerKey[]): string {
  return witnesses.reduce((text, witness) => text + cosignCheckpoint(note, witness, T), note);
}

function policyError(json: unknown): string {
  try {
    parseWitnessPolicy(json);
  } catch (error) {
    if (isProofError(error, 'PROOF_BAD_POLICY')) return error.message;
    throw error;
  }
  throw new Error('policy was accepted');
}

describe('parseWitnessPolicy', () => {
  it('reads JSON text or a parsed value into keys, witnesses and a quorum', () => {
    const policy = parseWitnessPolicy(JSON.stringify(policyJson(2)));
    expect(policy.quorum).toBe(2);
    expect(policy.logKeys.map((key) => key.name)).toEqual(['aos.test']);
    expect(policy.witnesses.map((witness) => [witness.name, witness.key.keyId])).toEqual([
      ['alpha', w1.keyId],
      ['beta', w2.keyId],
      ['gamma', w3.keyId],
    ]);
    expect(parseWitnessPolicy(policyJson(0)).quorum).toBe(0);
  });

  it('refuses bad keys, duplicates and an impossible quorum with one line naming the field', () => {
    const base = policyJson(1);
    const witnesses = base.witnesses as { name: string; key: string }[];
    const cases: [unknown, RegExp][] = [
      [{ ...base, quorum: 4 }, /^policy: quorum: 4 is more than the 3 witnesses named$/],
      [{ ...base, quorum: -1 }, /^policy: quorum: /],
      [{ ...base, quorum: 1.5 }, /^policy: quorum: /],
      [{ ...base, log_keys: [] }, /^policy: log_keys: /],
      [{ ...base, log_keys: ['not a key'] }, /^policy: log_keys\[0\]: /],
      [{ ...base, log_keys: [w1.verifierKey] }, /^policy: log_keys\[0\]: /],
      [
        { ...base, log_keys: [logKey.verifierKey, logKey.verifierKey] },
        /^policy: log_keys\[1\]: same key as log_keys\[0\]$/,
      ],
      [
        { ...base, witnesses: [...witnesses, { name: 'alpha', key: stranger.verifierKey }] },
        /^policy: witnesses\[3\]\.name: /,
      ],
      [
        { ...base, witnesses: [...witnesses, { name: 'delta', key: w2.verifierKey }] },
        /^policy: witnesses\[3\]\.key: same public key as witnesses\[1\]\.key$/,
      ],
      [{ ...base, witnesses: [{ name: 'alpha', key: 'w1.test+00000000+BAAA' }] }, /^policy: witnesses\[0\]\.key: /],
      [{ ...base, witnesses: [{ name: '', key: w1.verifierKey }] }, /^policy: witnesses\[0\]\.name: /],
      [{ ...base, extra: true }, /^policy: .*extra/],
      ['{"quorum":1,"quorum":2}', /^policy: .*duplicate key "quorum"/],
      ['not json', /^policy is not JSON/],
    ];
    for (const [json, message] of cases) {
      const error = policyError(json);
      expect(error).toMatch(message);
      expect(error).not.toContain('\n');
    }
  });
});

describe('verifyCosignatureQuorum', () => {
  const policy = parseWitnessPolicy(policyJson(2));

  it('is ok when the log signed and the quorum of witnesses cosigned', () => {
    expect(verifyCosignatureQuorum(cosign(checkpoint, w1, w3), policy)).toEqual({
      ok: true,
      logSignatureValid: true,
      cosigned: ['alpha', 'gamma'],
      missing: ['beta'],
    });
  });

  it('is not ok one cosignature short, and says how many were needed', () => {
    const verdict = verifyCosignatureQuorum(cosign(checkpoint, w2), policy);
    expect(verdict).toMatchObject({
      ok: false,
      logSignatureValid: true,
      cosigned: ['beta'],
      missing: ['alpha', 'gamma'],
    });
    expect(verdict.reason).toMatch(/^1 of the 2 cosignatures required/);
  });

  it('counts a witness that cosigned twice once', () => {
    const twice = cosign(checkpoint, w1) + cosignCheckpoint(checkpoint, w1, T + 1);
    const verdict = verifyCosignatureQuorum(twice, policy);
    expect(verdict).toMatchObject({ ok: false, cosigned: ['alpha'] });
  });

  it('ignores a cosignature by a key the policy does not name', () => {
    const verdict = verifyCosignatureQuorum(cosign(checkpoint, w1, stranger), policy);
    expect(verdict).toMatchObject({ ok: false, logSignatureValid: true, cosigned: ['alpha'] });
    expect(verifyCosignatureQuorum(cosign(checkpoint, stranger, w1, w2), policy).ok).toBe(true);
  });

  it('does not count a forged cosignature: a valid line moved onto another checkpoint', () => {
    const other = signCheckpoint({ ...fields, treeSize: 6 }, logKey);
    const forged = checkpoint + cosignCheckpoint(other, w1, T) + cosignCheckpoint(checkpoint, w2, T);
    const verdict = verifyCosignatureQuorum(forged, policy);
    expect(verdict).toMatchObject({ ok: false, cosigned: ['beta'], missing: ['alpha', 'gamma'] });
    expect(verdict.reason).toContain('alpha: cosignature by w1.test');
  });

  it('is not ok for a checkpoint signed by a key outside the policy, however many cosigned it', () => {
    const note = cosign(signCheckpoint(fields, otherLogKey), w1, w2, w3);
    const verdict = verifyCosignatureQuorum(note, policy);
    expect(verdict).toMatchObject({ ok: false, logSignatureValid: false, cosigned: ['alpha', 'beta', 'gamma'] });
    expect(verdict.reason).toMatch(/^log signature: no signature by a trusted key/);
  });

  it('with quorum 0 needs only the log signature', () => {
    const none = parseWitnessPolicy(policyJson(0));
    expect(verifyCosignatureQuorum(checkpoint, none)).toEqual({
      ok: true,
      logSignatureValid: true,
      cosigned: [],
      missing: ['alpha', 'beta', 'gamma'],
    });
    expect(verifyCosignatureQuorum(signCheckpoint(fields, otherLogKey), none).ok).toBe(false);
  });

  it('is not ok for a signed note that is not a checkpoint, or for garbage', () => {
    const none = parseWitnessPolicy(policyJson(0));
    const verdict = verifyCosignatureQuorum(signNote('hello\n', logKey), none);
    expect(verdict).toMatchObject({ ok: false, logSignatureValid: true });
    expect(verdict.reason).toMatch(/^note is not a checkpoint/);
    expect(verifyCosignatureQuorum('garbage', policy)).toMatchObject({ ok: false, logSignatureValid: false });
  });
});
