import { describe, expect, it } from 'vitest';

import { ProofError } from './errors';
import { generateSigningKey } from './note-key';
import { sha256Hex } from './sha256-hash';
import { verifyNote } from './signed-note';
import { checkpointOrigin, formatCheckpointBody, parseCheckpointBody, signCheckpoint } from './tlog-checkpoint';

// c2sp.org/tlog-checkpoint example note text.
const SPEC_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

describe('checkpoint bodies', () => {
  it('parses the C2SP example and formats it back identically', () => {
    const parsed = parseCheckpointBody(SPEC_BODY);
    expect(parsed).toEqual({
      origin: 'example.com/behind-the-sofa',
      treeSize: 20852163,
      rootHash: Buffer.from('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=', 'base64').toString('hex'),
      extensions: [],
    });
    expect(formatCheckpointBody(parsed)).toBe(SPEC_BODY);
  });

  it('keeps extension lines', () => {
    expect(parseCheckpointBody(`${SPEC_BODY}ext one\n`).extensions).toEqual(['ext one']);
  });

  it.each([
    ['no final newline', SPEC_BODY.slice(0, -1)],
    ['two lines', 'origin\n1\n'],
    ['a leading zero in the size', SPEC_BODY.replace('20852163', '020852163')],
    ['a negative size', SPEC_BODY.replace('20852163', '-1')],
    ['a short root', 'o\n1\nAAAA\n'],
    ['an empty origin', `\n1\n${Buffer.alloc(32).toString('base64')}\n`],
    ['an empty extension line', `${SPEC_BODY}\n`],
  ])('refuses %s', (_name, body) => {
    expect(() => parseCheckpointBody(body)).toThrow(ProofError);
  });

  it('refuses to format an origin that would break the note', () => {
    const rootHash = sha256Hex('');
    expect(() => formatCheckpointBody({ origin: 'a\nb', treeSize: 1, rootHash })).toThrow(/origin/);
    expect(() => formatCheckpointBody({ origin: 'a', treeSize: -1, rootHash })).toThrow(/tree size/);
  });
});

describe('checkpointOrigin', () => {
  it('is <deployment origin>/<tenant_id>/<run_id>', () => {
    expect(checkpointOrigin('aos.example.com', 'acme', 'r-1')).toBe('aos.example.com/acme/r-1');
  });

  it.each([
    ['an empty tenant', 'aos.local', '', 'r'],
    ['a newline in the tenant', 'aos.local', 'a\nb', 'r'],
    ['a slash in the run id', 'aos.local', 'acme', 'r/1'],
  ])('refuses %s', (_name, origin, tenant, run) => {
    expect(() => checkpointOrigin(origin, tenant, run)).toThrow(ProofError);
  });
});

describe('signCheckpoint', () => {
  const key = generateSigningKey('aos.test');

  it('signs a checkpoint that verifies and parses back', () => {
    const rootHash = sha256Hex('root');
    const note = signCheckpoint({ origin: 'aos.test/acme/r1', treeSize: 7, rootHash }, key);
    const verified = verifyNote(note, [key.verifierKey]);
    expect(verified.valid).toBe(true);
    expect(parseCheckpointBody(verified.body)).toMatchObject({ origin: 'aos.test/acme/r1', treeSize: 7, rootHash });
  });
});
