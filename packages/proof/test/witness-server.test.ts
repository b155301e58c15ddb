import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  createConsistencyProof,
  generateSigningKey,
  merkleTreeHash,
  sha256Hex,
  signCheckpoint,
  verifyCosignature,
} from '@aos/proof';
import { startWitnessServer, type WitnessServer } from '@aos/proof/node';

const logKey = generateSigningKey('aos.test');
const witnessKey = generateSigningKey('witness.test/w1');
const ORIGIN = 'aos.test/tenants/acme';
const leaves = Array.from({ length: 20 }, (_, i) => sha256Hex(`leaf ${i}`));
const checkpointOf = (size: number, tree = leaves, origin = ORIGIN, key = logKey): string =>
  signCheckpoint({ origin, treeSize: size, rootHash: merkleTreeHash(tree.slice(0, size)) }, key);
const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');

/** The add-checkpoint body of c2sp.org/tlog-witness. */
function requestBody(oldSize: number, proof: readonly string[], checkpoint: string): string {
  return `old ${oldSize}\n${proof.map((hash) => `${b64(hash)}\n`).join('')}\n${checkpoint}`;
}

let stateDir: string;
let witness: WitnessServer;
const start = async (): Promise<WitnessServer> =>
  startWitnessServer({ key: witnessKey, stateDir, logKeys: [logKey.verifierKey], now: () => 1700000000 });

async function submit(body: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${witness.url}/add-checkpoint`, { method: 'POST', body });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'aos-witness-'));
  witness = await start();
});

afterEach(async () => {
  await witness.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('aos-proof witness: POST /add-checkpoint (c2sp.org/tlog-witness)', () => {
  it('cosigns a first checkpoint, then a consistent larger one', async () => {
    const first = checkpointOf(5);
    const one = await submit(requestBody(0, [], first));
    expect(one.status).toBe(200);
    expect(one.text).toMatch(/^— witness\.test\/w1 \S+\n$/);
    expect(verifyCosignature(first + one.text, witness.verifierKey)).toEqual({ valid: true, timestamp: 1700000000 });

    const second = checkpointOf(13);
    const two = await submit(requestBody(5, createConsistencyProof(leaves, 5, 13), second));
    expect(two.status).toBe(200);
    expect(verifyCosignature(second + two.text, witness.verifierKey).valid).toBe(true);
  });

  it('answers 409 with its size (text/x.tlog.size) for a stale or unknown old size', async () => {
    expect((await submit(requestBody(0, [], checkpointOf(5)))).status).toBe(200);
    const stale = await submit(requestBody(0, [], checkpointOf(8)));
    expect(stale).toEqual({ status: 409, type: 'text/x.tlog.size', text: '5\n' });
    const ahead = await submit(requestBody(7, createConsistencyProof(leaves, 7, 9), checkpointOf(9)));
    expect(ahead).toMatchObject({ status: 409, text: '5\n' });
  });

  it('answers 422 for a consistency proof that does not verify, and for a rewritten history', async () => {
    expect((await submit(requestBody(0, [], checkpointOf(5)))).status).toBe(200);
    const proof = createConsistencyProof(leaves, 5, 9);
    const bent = [...proof.slice(0, -1), proof.at(-1)!.replace(/^./, (c) => (c === '0' ? '1' : '0'))];
    expect((await submit(requestBody(5, bent, checkpointOf(9)))).status).toBe(422);
    // The operator deletes run 2 and rebuilds the log without it: no proof from the cosigned root.
    const rewritten = [...leaves.slice(0, 2), ...leaves.slice(3)];
    const forged = await submit(requestBody(5, createConsistencyProof(rewritten, 5, 9), checkpointOf(9, rewritten)));
    expect(forged.status).toBe(422);
    // The witness still holds size 5.
    expect((await submit(requestBody(0, [], checkpointOf(9)))).text).toBe('5\n');
  });

  it('refuses a split view: the same size with another root', async () => {
    expect((await submit(requestBody(0, [], checkpointOf(5)))).status).toBe(200);
    const other = [...leaves.slice(0, 4), sha256Hex('another leaf')];
    const split = await submit(requestBody(5, [], checkpointOf(5, other)));
    expect(split.status).toBe(422);
    expect(split.text).toMatch(/split view/);
    expect((await submit(requestBody(5, [], checkpointOf(5)))).status).toBe(200);
  });

  it('answers 404 for an unknown origin, 403 without a valid trusted signature, 400 for a malformed request', async () => {
    const stranger = generateSigningKey('elsewhere.test');
    expect((await submit(requestBody(0, [], checkpointOf(5, leaves, 'elsewhere.test/x', stranger)))).status).toBe(404);
    const impostor = generateSigningKey('aos.test');
    expect((await submit(requestBody(0, [], checkpointOf(5, leaves, ORIGIN, impostor)))).status).toBe(403);
    const tampered = checkpointOf(5).replace('\n5\n', '\n6\n');
    expect((await submit(requestBody(0, [], tampered))).status).toBe(403);
    expect((await submit(`old 01\n\n${checkpointOf(5)}`)).status).toBe(400);
    expect((await submit(requestBody(6, [], checkpointOf(5)))).status).toBe(400);
    expect((await submit(`old 0\nnot base64\n\n${checkpointOf(5)}`)).status).toBe(400);
    expect((await fetch(`${witness.url}/add-checkpoint`)).status).toBe(405);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('answers 422 for a proof after old size 0 and for a size-0 checkpoint with another root', async () => {
    expect((await submit(requestBody(0, [leaves[0]!], checkpointOf(5)))).status).toBe(422);
    const empty = signCheckpoint({ origin: ORIGIN, treeSize: 0, rootHash: leaves[0]! }, logKey);
    expect((await submit(requestBody(0, [], empty))).status).toBe(422);
  });

  it('keeps its state across a restart, in one file per origin', async () => {
    expect((await submit(requestBody(0, [], checkpointOf(5)))).status).toBe(200);
    await witness.close();
    witness = await start();
    expect(await submit(requestBody(0, [], checkpointOf(9)))).toMatchObject({ status: 409, text: '5\n' });
    expect((await submit(requestBody(5, createConsistencyProof(leaves, 5, 9), checkpointOf(9)))).status).toBe(200);
    const files = await readdir(stateDir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^[0-9a-f]{64}\.checkpoint$/);
  });

  it('serialises concurrent submissions per origin: one of two racing updates wins', async () => {
    expect((await submit(requestBody(0, [], checkpointOf(5)))).status).toBe(200);
    const [a, b] = await Promise.all([
      submit(requestBody(5, createConsistencyProof(leaves, 5, 9), checkpointOf(9))),
      submit(requestBody(5, createConsistencyProof(leaves, 5, 12), checkpointOf(12))),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
  });
});
