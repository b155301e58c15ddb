import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../src/cli/main';
import {
  createStepInclusionProof,
  generateSigningKey,
  verifyProofBundle,
  verifyStepInclusionProof,
  type JsonValue,
  type ProofBundle,
} from '../src/index';
import { verifyProofBundleFile, writeProofBundle } from '../src/node/index';
import { captureIo } from './cli-io-capture';
import { buildSealedRun, jsonCopy, planFor, SAMPLE_PLAN, sampleStepContent } from './proof-fixtures';

/*
 * Bad input at every reader of `aos-proof`: the same refusal, with the same exit code, whether
 * the bundle is a file in the streaming layout, a pretty-printed file, or stdin.
 */

const key = generateSigningKey('aos.test');
const trustedKeys = [key.verifierKey];
let dir: string;
let fileCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aos-proof-hardening-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function sealed(options: { steps?: number; plan?: JsonValue } = {}): ProofBundle {
  const contents = Array.from({ length: options.steps ?? 3 }, (_, i) => sampleStepContent(i));
  return buildSealedRun({ key, contents, ...(options.plan === undefined ? {} : { plan: options.plan }) }).bundle;
}

/** The bundle in the streaming layout `cus-cli proof --export` writes. */
async function streamedText(bundle: ProofBundle): Promise<string> {
  const file = join(dir, `streamed-${fileCount++}.json`);
  const { steps, ...header } = bundle;
  await writeProofBundle(header, steps, file);
  return readFile(file, 'utf8');
}

async function fileWith(text: string): Promise<string> {
  const file = join(dir, `input-${fileCount++}.json`);
  await writeFile(file, text);
  return file;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** `aos-proof <command> <file> --key …` and the same text through `-` (stdin): both outcomes. */
async function runBoth(command: string, text: string, ...flags: string[]): Promise<[Outcome, Outcome]> {
  const fromFile = captureIo();
  const fileCode = await main([command, await fileWith(text), '--key', key.verifierKey, ...flags], fromFile);
  const fromStdin = captureIo(text);
  const stdinCode = await main([command, '-', '--key', key.verifierKey, ...flags], fromStdin);
  return [
    { code: fileCode, stdout: fromFile.out(), stderr: fromFile.err() },
    { code: stdinCode, stdout: fromStdin.out(), stderr: fromStdin.err() },
  ];
}

/** Both readers refuse `text` with exit 2 and exactly `message`, as one line or one JSON error. */
async function expectRefused(command: string, text: string, code: string, message: string): Promise<void> {
  for (const outcome of await runBoth(command, text)) {
    expect(outcome).toEqual({ code: 2, stdout: '', stderr: `error: ${message}\n` });
  }
  for (const outcome of await runBoth(command, text, '--json')) {
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toBe('');
    expect(JSON.parse(outcome.stdout)).toEqual({ error: { code, message } });
  }
}

/** `levels` arrays and objects, alternating, around a string. */
function nested(levels: number): JsonValue {
  let value: JsonValue = 'deep';
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? [value] : { k: value };
  return value;
}

function stepProofOf(bundle: ProofBundle, step: number): string {
  const proof = createStepInclusionProof({
    step: bundle.steps[step]!,
    leafHashes: [bundle.header!.leaf_hash, ...bundle.steps.map((s) => s.leaf_hash), bundle.outcome!.leaf_hash],
    checkpoint: bundle.trace.checkpoint!,
    verifierKeyName: key.name,
  });
  return JSON.stringify(proof);
}

describe('stdin is read as a stream, as a file is', () => {
  it('gives the verdict of the file for a bundle arriving in small chunks, valid or edited', async () => {
    const text = await streamedText(sealed({ steps: 5 }));
    for (const input of [text, text.replace('"hello 3"', '"hellO 3"')]) {
      const bytes = Buffer.from(input, 'utf8');
      const chunks = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, i) => bytes.subarray(i * 7, i * 7 + 7));
      const io = { ...captureIo(), stdin: Readable.from(chunks) };
      const code = await main(['verify', '-', '--key', key.verifierKey, '--json'], io);
      const file = await fileWith(input);
      expect(JSON.parse(io.out())).toEqual(await verifyProofBundleFile(file, { trustedKeys }));
      expect(code).toBe(input === text ? 0 : 5);
    }
  });
});

describe('a repeated object key is refused wherever a bundle or step proof is read', () => {
  it('in a step envelope of a streamed bundle: exit 2 naming the step and the key', async () => {
    const text = await streamedText(sealed());
    const lines = text.split('\n');
    // Step 1's line, with its params given twice (the first one is what JSON.parse drops).
    lines[2] = lines[2]!.replace('"params":', '"params":{"message":"other"},"params":');
    await expectRefused(
      'verify',
      lines.join('\n'),
      'PROOF_BAD_INPUT',
      'bundle: steps[1].envelope: duplicate key "params"',
    );
  });

  it('in the first line of a streamed bundle', async () => {
    const text = await streamedText(sealed());
    const edited = text.replace('"goal":"echo hello",', '"goal":"echo hello","goal":"something else",');
    await expectRefused('verify', edited, 'PROOF_BAD_INPUT', 'bundle: run: duplicate key "goal"');
  });

  it('in a pretty-printed bundle, at the top and deep in a step', async () => {
    const pretty = JSON.stringify(sealed(), null, 2);
    const top = pretty.replace('"format": "aos.proof-bundle.v2",', '"format": "x", "format": "aos.proof-bundle.v2",');
    await expectRefused('verify', top, 'PROOF_BAD_INPUT', 'bundle: duplicate key "format"');
    const at = pretty.indexOf('"n": 1.5');
    const deep = `${pretty.slice(0, at)}"n": 0, ${pretty.slice(at)}`;
    await expectRefused('verify', deep, 'PROOF_BAD_INPUT', 'bundle: steps[1].envelope.outcome_data: duplicate key "n"');
  });

  it('in a step proof', async () => {
    const proof = stepProofOf(sealed(), 1);
    const edited = proof.replace('"status":"success"', '"status":"failure","status":"success"');
    await expectRefused('verify-step', edited, 'PROOF_BAD_INPUT', 'step proof: envelope: duplicate key "status"');
  });
});

describe('nesting deeper than 64 levels is refused by name, never a stack overflow', () => {
  const deepPlan = { ...SAMPLE_PLAN, steps: [{ ...SAMPLE_PLAN.steps[0], params: { message: nested(70) } }] };

  it('in the plan of a bundle, in the streaming layout and pretty-printed', async () => {
    const bundle = jsonCopy(sealed({ plan: planFor([0, 1, 2].map(sampleStepContent)) }));
    bundle.plan = deepPlan;
    const message = /^bundle: plan\.steps\[0\]\.params\.message(\[0\]|\.k)+: nesting deeper than 64 levels$/;
    for (const text of [await streamedText(bundle), JSON.stringify(bundle, null, 1)]) {
      for (const outcome of await runBoth('verify', text, '--json')) {
        expect(outcome.code).toBe(2);
        const document = JSON.parse(outcome.stdout) as { error: { code: string; message: string } };
        expect(document.error.code).toBe('PROOF_BAD_INPUT');
        expect(document.error.message).toMatch(message);
      }
    }
  });

  it('in a step of a streamed bundle, at the depth it has in the whole document', async () => {
    const bundle = sealed();
    // Bundle, steps, step and envelope enclose outcome_data: it may nest 60 levels.
    const fits = jsonCopy(bundle);
    fits.steps[2]!.envelope.outcome_data = nested(60);
    const [fileFits] = await runBoth('verify', await streamedText(fits));
    // Not refused as input: the edited step just no longer matches its hash.
    expect(fileFits).toMatchObject({ code: 5, stderr: '' });
    const tooDeep = jsonCopy(bundle);
    tooDeep.steps[2]!.envelope.outcome_data = nested(61);
    for (const text of [await streamedText(tooDeep), JSON.stringify(tooDeep)]) {
      for (const outcome of await runBoth('verify', text)) {
        expect(outcome.code).toBe(2);
        expect(outcome.stderr).toMatch(
          /^error: bundle: steps\[2\]\.envelope\.outcome_data(\[0\]|\.k){60}: nesting deeper than 64 levels\n$/,
        );
      }
    }
  });

  it('for a hundred thousand levels', async () => {
    const text = `{"format":"aos.proof-bundle.v1","plan":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    for (const outcome of await runBoth('verify', text)) {
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/^error: bundle: plan(\[0\]){63}: nesting deeper than 64 levels\n$/);
    }
  });
});

describe('a document that is not of the documented shape is bad input (exit 2), not a failed verification', () => {
  it('a bundle whose run status is not a status', async () => {
    const bundle = jsonCopy(sealed());
    (bundle.run as { status: string }).status = 'bogus';
    for (const text of [JSON.stringify(bundle), await streamedText(bundle)]) {
      for (const outcome of await runBoth('verify', text, '--json')) {
        expect(outcome.code).toBe(2);
        expect(JSON.parse(outcome.stdout)).toEqual({
          error: { code: 'PROOF_BAD_BUNDLE', message: expect.stringMatching(/^bundle: run\.status: /) },
        });
      }
    }
  });

  it('a document of another format, and a step proof without its audit path', async () => {
    const [asBundle] = await runBoth('verify', stepProofOf(sealed(), 0));
    expect(asBundle.code).toBe(2);
    expect(asBundle.stderr).toMatch(/^error: bundle: format: /);
    const proof = JSON.parse(stepProofOf(sealed(), 0)) as Record<string, unknown>;
    delete proof.audit_path;
    const [stepOutcome] = await runBoth('verify-step', JSON.stringify(proof));
    expect(stepOutcome.code).toBe(2);
    expect(stepOutcome.stderr).toMatch(/^error: step proof: audit_path: /);
  });

  it('while a well-formed bundle whose contents were changed still exits 5', async () => {
    const text = (await streamedText(sealed())).replace('"hello 2"', '"hellO 2"');
    for (const outcome of await runBoth('verify', text)) {
      expect(outcome.code).toBe(5);
      expect(outcome.stdout).toContain('first_divergent_step: 2\n');
    }
  });
});

// These pass only once unknown members are refused by the schemas (`.strict()` on the object
// schemas of bundle-schema.ts) and, for a step record, by the step check of trace-verifier.ts:
// until then they are dropped silently and the bundle verifies.
describe('unknown members are refused', () => {
  function withExtra(edit: (bundle: Record<string, unknown>) => void): ProofBundle {
    const bundle = jsonCopy(sealed()) as unknown as Record<string, unknown>;
    edit(bundle);
    return bundle as unknown as ProofBundle;
  }
  const record = (value: unknown): Record<string, unknown> => value as Record<string, unknown>;

  async function expectMemberRefused(bundle: ProofBundle, streamed: string, place: RegExp): Promise<void> {
    expect(verifyProofBundle(bundle, { trustedKeys }).verification_status).toBe('FAILED');
    for (const text of [JSON.stringify(bundle), streamed]) {
      for (const outcome of await runBoth('verify', text)) {
        expect(outcome.code).toBe(2);
        expect(outcome.stderr).toMatch(place);
      }
    }
  }

  it('at the top of a bundle: exit 2 naming the member', async () => {
    const bundle = withExtra((b) => (b.signed_by = 'someone else'));
    // writeProofBundle writes the known members only: the extra one is added to the first line.
    const streamed = (await streamedText(bundle)).replace('{"format":', '{"signed_by":"someone else","format":');
    await expectMemberRefused(bundle, streamed, /^error: bundle: Unrecognized key: "signed_by"/);
  });

  it('in its run or its trace: exit 2 naming the member', async () => {
    const inRun = withExtra((b) => (record(b.run).approved = true));
    await expectMemberRefused(inRun, await streamedText(inRun), /^error: bundle: run: Unrecognized key: "approved"/);
    const inTrace = withExtra((b) => (record(b.trace).root_hash_v2 = 'x'));
    await expectMemberRefused(
      inTrace,
      await streamedText(inTrace),
      /^error: bundle: trace: Unrecognized key: "root_hash_v2"/,
    );
  });

  it('in a step record: the step is named as the first divergent one, whatever the layout', async () => {
    const bundle = withExtra((b) => (record((b.steps as unknown[])[1]).note = 'unsigned'));
    const expected = {
      verification_status: 'FAILED',
      first_divergent_step: 1,
      failure_reason: expect.stringMatching(/^step 1: .*"note"/),
    };
    expect(verifyProofBundle(bundle, { trustedKeys })).toMatchObject(expected);
    // writeProofBundle writes the four known members only: the extra one is added to the line.
    const lines = (await streamedText(bundle)).split('\n');
    lines[2] = lines[2]!.replace(/\}(,?)$/, ',"note":"unsigned"}$1');
    expect(await verifyProofBundleFile(await fileWith(lines.join('\n')), { trustedKeys })).toMatchObject(expected);
  });

  it('in a step envelope (already refused by the envelope check)', async () => {
    const bundle = withExtra((b) => (record(record((b.steps as unknown[])[0]).envelope).extra = 1));
    expect(verifyProofBundle(bundle, { trustedKeys })).toMatchObject({
      verification_status: 'FAILED',
      first_divergent_step: 0,
      failure_reason: expect.stringContaining('unexpected field "extra"'),
    });
    for (const outcome of await runBoth('verify', await streamedText(bundle))) {
      expect(outcome.code).toBe(5);
      expect(outcome.stdout).toContain('failure_reason: step 0: envelope has an unexpected field "extra"\n');
    }
  });

  it('at the top of a step proof: exit 2 naming the member', async () => {
    const proof = { ...(JSON.parse(stepProofOf(sealed(), 2)) as Record<string, unknown>), tree_root: 'x' };
    expect(verifyStepInclusionProof(proof, { trustedKeys }).verification_status).toBe('FAILED');
    for (const outcome of await runBoth('verify-step', JSON.stringify(proof))) {
      expect(outcome.code).toBe(2);
      expect(outcome.stderr).toMatch(/^error: step proof: .*Unrecognized key/);
    }
  });
});

describe('aos-proof --help and --version with --json', () => {
  it('print exactly one JSON document', async () => {
    const help = captureIo();
    expect(await main(['--help', '--json'], help)).toBe(0);
    const document = JSON.parse(help.out()) as { help: string };
    expect(document.help).toContain('aos-proof verify <bundle>');
    expect(document.help).toContain('2 usage error or bad input');
    const version = captureIo();
    expect(await main(['--version', '--json'], version)).toBe(0);
    expect(JSON.parse(version.out())).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  });
});
