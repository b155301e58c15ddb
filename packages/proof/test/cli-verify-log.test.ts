import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../src/cli/main';
import {
  cosignCheckpoint,
  cosignerKeyFrom,
  createConsistencyProof,
  generateSigningKey,
  merkleTreeHash,
  proofToBase64,
  sha256Hex,
  signTenantCheckpoint,
  type ProofBundle,
} from '../src/index';
import { captureIo } from './cli-io-capture';
import { buildSealedRun, buildTenantLog, jsonCopy, receiptFor, sampleStepContent } from './proof-fixtures';

// `aos-proof verify --since / --policy`: the customer's own saved checkpoint and a witness
// policy, checked against the bundle's tenant-log receipt (SPEC §9, §13).

const key = generateSigningKey('aos.test');
const w1 = cosignerKeyFrom(generateSigningKey('w1.test'));
const w2 = cosignerKeyFrom(generateSigningKey('w2.test'));

// The bundle's run is leaf 1 of a tenant log of 7 leaves; the customer saved the log at size 4.
const bundle = jsonCopy(buildSealedRun({ key, contents: [0, 1].map(sampleStepContent) }).bundle);
const { receipt, leafHashes } = buildTenantLog(bundle, key, { index: 1, size: 7 });
const withConsistency: ProofBundle = {
  ...bundle,
  receipt: {
    ...receipt,
    consistency: { from_size: 4, proof: proofToBase64(createConsistencyProof(leafHashes, 4, 7)) },
  },
};

let dir: string;
const file = (name: string) => join(dir, name);

async function verify(...args: string[]) {
  const io = captureIo();
  const code = await main(['verify', ...args, '--key', key.verifierKey], io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aos-proof-verify-log-'));
  await writeFile(file('bundle.json'), JSON.stringify(withConsistency));
  await writeFile(file('saved.txt'), signTenantCheckpoint(key, 'acme', 4, merkleTreeHash(leafHashes.slice(0, 4))));
  // What the customer saw before the operator rewrote leaf 2 and re-signed the log.
  const before = [...leafHashes.slice(0, 2), sha256Hex('a run later deleted'), leafHashes[3]!];
  await writeFile(file('saved-other-history.txt'), signTenantCheckpoint(key, 'acme', 4, merkleTreeHash(before)));
  await writeFile(file('no-consistency.json'), JSON.stringify({ ...bundle, receipt }));
  await writeFile(file('garbage.txt'), 'this is not a checkpoint\n');
  await writeFile(file('body-only.txt'), 'aos.test/tenants/acme\n4\nnot base64\n\n— aos.test AAAA\n');
  const other = jsonCopy(buildSealedRun({ key, contents: [0].map(sampleStepContent) }).bundle);
  await writeFile(file('other-leaf.json'), JSON.stringify({ ...bundle, receipt: receiptFor(other, key) }));
  const once = receipt.checkpoint + cosignCheckpoint(receipt.checkpoint, w1, 1_700_000_000);
  await writeFile(file('cosigned-once.json'), JSON.stringify({ ...bundle, receipt: { ...receipt, checkpoint: once } }));
  const twice = once + cosignCheckpoint(receipt.checkpoint, w2, 1_700_000_000);
  await writeFile(
    file('cosigned-twice.json'),
    JSON.stringify({ ...bundle, receipt: { ...receipt, checkpoint: twice } }),
  );
  const policy = {
    log_keys: [key.verifierKey],
    witnesses: [
      { name: 'one', key: w1.verifierKey },
      { name: 'two', key: w2.verifierKey },
    ],
    quorum: 2,
  };
  await writeFile(file('policy.json'), JSON.stringify(policy));
  await writeFile(file('policy-bad.json'), JSON.stringify({ ...policy, quorum: 3 }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('aos-proof verify --since', () => {
  it('verifies a receipt whose consistency proof extends the saved checkpoint, and says so', async () => {
    const result = await verify(file('bundle.json'), '--since', file('saved.txt'));
    expect(result.code).toBe(0);
    expect(result.out).toContain('verification_status: VERIFIED\n');
    expect(result.out).toContain(
      `log_index: 1\nlog_size: 7\nlog_root: ${merkleTreeHash(leafHashes)}\nconsistent_from: 4\n`,
    );
    expect(result.out).not.toContain('cosigned_by');
    expect(result.err).toBe('');
  });

  it('reports the log inclusion in --json', async () => {
    const io = captureIo();
    const args = ['verify', file('bundle.json'), '--key', key.verifierKey, '--since', file('saved.txt'), '--json'];
    expect(await main(args, io)).toBe(0);
    expect(JSON.parse(io.out())).toMatchObject({
      verification_status: 'VERIFIED',
      log_inclusion: {
        log_index: 1,
        tree_size: 7,
        origin: 'aos.test/tenants/acme',
        consistent_from: 4,
        cosigned_by: [],
      },
    });
  });

  it('exits 5 when the saved checkpoint is not a prefix of the log (history rewritten)', async () => {
    const result = await verify(file('bundle.json'), '--since', file('saved-other-history.txt'));
    expect(result.code).toBe(5);
    expect(result.out).toContain('verification_status: FAILED\n');
    expect(result.out).toContain(
      "failure_reason: log consistency: the checkpoint of size 7 does not extend the saved one of size 4: the log's history was rewritten\n",
    );
    expect(result.out).not.toContain('log_index');
  });

  it('exits 5 when a saved checkpoint is given but the receipt carries no proof from its size', async () => {
    const result = await verify(file('no-consistency.json'), '--since', file('saved.txt'));
    expect(result.code).toBe(5);
    expect(result.out).toContain('failure_reason: log consistency: no consistency proof from the saved size 4');
  });

  it('exits 2 naming the file when the saved checkpoint is garbage, missing or not a checkpoint', async () => {
    for (const [name, problem] of [
      ['garbage.txt', 'not a signed checkpoint note'],
      ['missing.txt', 'cannot read'],
      ['body-only.txt', 'not a signed checkpoint note: checkpoint root hash line'],
    ] as const) {
      const result = await verify(file('bundle.json'), '--since', file(name));
      expect(result.code, name).toBe(2);
      expect(result.out).toBe('');
      expect(result.err).toContain(`--since ${file(name)}: ${problem}`);
      expect(result.err.trim().split('\n')).toHaveLength(1);
    }
    const dash = await verify(file('bundle.json'), '--since', '-');
    expect(dash.code).toBe(2);
    expect(dash.err).toContain('--since: must name a file, not -');
    const io = captureIo();
    const args = ['verify', file('bundle.json'), '--key', key.verifierKey, '--since', file('garbage.txt'), '--json'];
    expect(await main(args, io)).toBe(2);
    expect(JSON.parse(io.out())).toMatchObject({ error: { code: 'PROOF_BAD_INPUT' } });
  });
});

describe('aos-proof verify: receipts and witness policies', () => {
  it("exits 5 when the bundle's receipt proves another run's leaf", async () => {
    const result = await verify(file('other-leaf.json'));
    expect(result.code).toBe(5);
    expect(result.out).toContain('failure_reason: receipt: leaf run_id does not match the run it is attached to\n');
  });

  it('exits 5 under a policy whose quorum the checkpoint lacks', async () => {
    const result = await verify(file('cosigned-once.json'), '--policy', file('policy.json'));
    expect(result.code).toBe(5);
    expect(result.out).toMatch(/failure_reason: receipt: witness policy: 1 of the 2 cosignatures required/);
  });

  it('verifies and names the cosigners when the quorum is met', async () => {
    const result = await verify(file('cosigned-twice.json'), '--policy', file('policy.json'));
    expect(result.code).toBe(0);
    expect(result.out).toContain('log_size: 7\nlog_root: ');
    expect(result.out).toContain('cosigned_by: one, two\n');
  });

  it('exits 2 for a policy file that is missing or malformed', async () => {
    const missing = await verify(file('cosigned-twice.json'), '--policy', file('nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`--policy ${file('nope.json')}: cannot read`);
    const bad = await verify(file('cosigned-twice.json'), '--policy', file('policy-bad.json'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/policy: quorum/);
  });
});
