import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { generateSigningKey, verifyProofBundle, type BundleVerification, type ProofBundle } from '../src/index';
import { verifyProofBundleFile, writeProofBundle } from '../src/node/index';
import { buildSealedRun, jsonCopy, sampleStepContent } from './proof-fixtures';

const key = generateSigningKey('aos.test');
const trustedKeys = [key.verifierKey];
let dir: string;
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aos-proof-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sealed(steps: number): ProofBundle {
  return buildSealedRun({ key, contents: Array.from({ length: steps }, (_, i) => sampleStepContent(i)) }).bundle;
}

async function written(bundle: ProofBundle): Promise<string> {
  const file = join(dir, `bundle-${fileCount++}.json`);
  const { steps, ...header } = bundle;
  await writeProofBundle(header, steps, file);
  return file;
}

async function withText(text: string | Buffer): Promise<string> {
  const file = join(dir, `edited-${fileCount++}.json`);
  await writeFile(file, text);
  return file;
}

/** Verifies a file with the streaming verifier and, when the text is JSON, in memory too: both must agree. */
async function verifyBoth(file: string): Promise<BundleVerification> {
  const streamed = await verifyProofBundleFile(file, { trustedKeys });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return streamed;
  }
  expect(streamed).toEqual(verifyProofBundle(parsed, { trustedKeys }));
  return streamed;
}

const VERIFIED = { verification_status: 'VERIFIED', failure_reason: null, first_divergent_step: null };

describe('writeProofBundle', () => {
  it('writes one JSON document equal to the object form, one step per line, envelopes canonical', async () => {
    const bundle = sealed(5);
    const file = await written(bundle);
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text)).toEqual(jsonCopy(bundle));
    const lines = text.split('\n');
    expect(lines).toHaveLength(5 + 3);
    expect(lines[0]).toMatch(/^\{"format":"aos\.proof-bundle\.v2",.*"steps":\[$/);
    expect(lines.slice(1, 5).every((line) => line.endsWith(','))).toBe(true);
    expect(lines[5]?.endsWith(',')).toBe(false);
    expect(lines.slice(6)).toEqual([']}', '']);
    expect(await verifyBoth(file)).toMatchObject({ ...VERIFIED, chain_length: 5, signature_valid: true });
  });

  it('writes and verifies a trace with no steps', async () => {
    const bundle = sealed(0);
    const file = await written(bundle);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(jsonCopy(bundle));
    expect(await verifyBoth(file)).toMatchObject({ ...VERIFIED, chain_length: 0 });
  });

  it('streams to a writable stream from an async iterable the same bytes as to a file', async () => {
    const bundle = sealed(3);
    const { steps, ...header } = bundle;
    async function* pages(): AsyncGenerator<(typeof steps)[number]> {
      for (const step of steps) yield await Promise.resolve(step);
    }
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const summary = await writeProofBundle(header, pages(), sink);
    const fileText = await readFile(await written(bundle), 'utf8');
    expect(Buffer.concat(chunks).toString('utf8')).toBe(fileText);
    expect(summary).toEqual({ format: 'aos.proof-bundle.v2', steps: 3, bytes: Buffer.byteLength(fileText) });
  });

  it('leaves no file behind when a step cannot be written', async () => {
    const bundle = sealed(2);
    const { steps, ...header } = bundle;
    const broken = [steps[0]!, { ...steps[1]!, envelope: { ...steps[1]!.envelope, params: Number.NaN } }];
    const file = join(dir, 'never.json');
    await expect(writeProofBundle(header, broken, file)).rejects.toMatchObject({ code: 'PROOF_BAD_VALUE' });
    await expect(readFile(file)).rejects.toThrow();
  });
});

describe('verifyProofBundleFile', () => {
  it('names the step of any byte edited inside an envelope', async () => {
    const bundle = sealed(30);
    const text = await readFile(await written(bundle), 'utf8');
    const lines = text.split('\n');
    const prefix = '{"envelope":'.length;
    const tail = 238 + 1; // the hashes, and the comma of every line but the last step's
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 29 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (step, at, delta) => {
          const line = Buffer.from(lines[step + 1]!);
          const envelopeBytes = line.length - prefix - tail + (step === 29 ? 1 : 0);
          const position = prefix + (at % envelopeBytes);
          line[position] = (line[position]! + delta) % 256;
          const file = await withText(
            Buffer.concat([
              Buffer.from(`${lines.slice(0, step + 1).join('\n')}\n`),
              line,
              Buffer.from(`\n${lines.slice(step + 2).join('\n')}`),
            ]),
          );
          let result: BundleVerification;
          try {
            result = await verifyBoth(file);
          } catch (error) {
            // An edit that breaks the JSON is refused as bad input, never accepted.
            expect(error).toMatchObject({ code: 'PROOF_BAD_INPUT' });
            return;
          }
          expect(result.verification_status).toBe('FAILED');
          expect(result.first_divergent_step).toBe(step);
          expect(result.failure_reason).toMatch(new RegExp(`^step ${step}: `));
        },
      ),
      { numRuns: 50 },
    );
  });

  it.each([
    ['two steps swapped', (steps: string[]) => [steps[0]!, steps[2]!, steps[1]!, ...steps.slice(3)], 1],
    ['a step duplicated', (steps: string[]) => [steps[0]!, steps[1]!, steps[1]!, ...steps.slice(2)], 2],
    ['a step removed', (steps: string[]) => [steps[0]!, ...steps.slice(2)], 1],
  ])('refuses a file with %s', async (_label, edit, divergent) => {
    const lines = (await readFile(await written(sealed(6)), 'utf8')).split('\n');
    // Middle lines only, so the edited file is still JSON.
    const middle = lines.slice(1, 6);
    const file = await withText([lines[0], ...edit(middle), ...lines.slice(6)].join('\n'));
    const result = await verifyBoth(file);
    expect(result.verification_status).toBe('FAILED');
    expect(result.first_divergent_step).toBe(divergent);
  });

  it('refuses a file whose last step line was dropped (chain_length names the gap)', async () => {
    const lines = (await readFile(await written(sealed(4)), 'utf8')).split('\n');
    const withoutLast = [...lines.slice(0, 3), lines[3]!.slice(0, -1), ...lines.slice(5)];
    const result = await verifyBoth(await withText(withoutLast.join('\n')));
    expect(result).toMatchObject({ verification_status: 'FAILED', first_divergent_step: 3 });
    expect(result.failure_reason).toBe('chain_length is 4 but the trace has 3 steps');
  });

  it('verifies other layouts of the same JSON (pretty-printed, one line) by reading them whole', async () => {
    const bundle = sealed(4);
    for (const text of [JSON.stringify(bundle, null, 2), JSON.stringify(bundle)]) {
      expect(await verifyBoth(await withText(text))).toMatchObject(VERIFIED);
    }
    const forged = jsonCopy(bundle);
    forged.steps[2]!.envelope.outcome_data = { message: 'forged' };
    expect(await verifyBoth(await withText(JSON.stringify(forged, null, 2)))).toMatchObject({
      verification_status: 'FAILED',
      first_divergent_step: 2,
    });
  });

  it('accepts an envelope re-serialised in another (non-canonical) form by canonicalising it', async () => {
    const lines = (await readFile(await written(sealed(3)), 'utf8')).split('\n');
    const step = JSON.parse(lines[2]!.slice(0, -1)) as { envelope: Record<string, unknown> };
    // Same members in another order: not the bytes that were hashed, but the same envelope.
    const reordered = Object.fromEntries(Object.entries(step.envelope).reverse());
    lines[2] = `${JSON.stringify({ ...step, envelope: reordered })},`;
    expect(await verifyBoth(await withText(lines.join('\n')))).toMatchObject(VERIFIED);
  });

  it('gives the bundle-level verdicts of verifyProofBundle (shape, run/trace mismatch, untrusted key)', async () => {
    const bundle = jsonCopy(sealed(3));
    bundle.run.tenant_id = 'someone-else';
    expect(await verifyBoth(await written(bundle))).toMatchObject({
      verification_status: 'FAILED',
      failure_reason: 'run.tenant_id does not match trace.tenant_id',
    });
    const other = generateSigningKey('aos.other');
    const result = await verifyProofBundleFile(await written(sealed(2)), { trustedKeys: [other.verifierKey] });
    expect(result).toMatchObject({ verification_status: 'FAILED', signature_valid: false });
  });

  it('throws PROOF_IO for a missing file and PROOF_BAD_INPUT for one that is not JSON', async () => {
    await expect(verifyProofBundleFile(join(dir, 'missing.json'), { trustedKeys })).rejects.toMatchObject({
      code: 'PROOF_IO',
    });
    const lines = (await readFile(await written(sealed(3)), 'utf8')).split('\n');
    lines[2] = lines[2]!.slice(0, -1); // a comma missing between two steps
    await expect(verifyProofBundleFile(await withText(lines.join('\n')), { trustedKeys })).rejects.toMatchObject({
      code: 'PROOF_BAD_INPUT',
    });
  });
});
