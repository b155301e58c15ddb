import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { buildSealedRun, jsonCopy, sampleStepContent, type StepContent } from '../test/proof-fixtures';
import { ProofBundleSchema, type ProofBundle } from './bundle-schema';
import { verifyProofBundle } from './bundle-verifier';
import { ProofError } from './errors';
import { extendChain } from './hash-chain';
import { merkleTreeHash } from './merkle-tree';
import { generateSigningKey } from './note-key';
import { computeGenesisHash, computePlanHash } from './plan-hash';
import { computeEnvelopeHash, toRunHeader, toRunOutcome } from './run-envelopes';
import { STEP_ENVELOPE_FIELDS, type StepEnvelope } from './step-envelope';

const key = generateSigningKey('aos.test');
const trustedKeys = [key.verifierKey];
const threeSteps = (): ProofBundle =>
  jsonCopy(buildSealedRun({ key, contents: [0, 1, 2].map(sampleStepContent) }).bundle);

function expectFailure(bundle: unknown, reason: string | RegExp, firstDivergentStep: number | null = null): void {
  const result = verifyProofBundle(bundle, { trustedKeys });
  expect(result.verification_status).toBe('FAILED');
  if (typeof reason === 'string') expect(result.failure_reason).toBe(reason);
  else expect(result.failure_reason).toMatch(reason);
  expect(result.first_divergent_step).toBe(firstDivergentStep);
}

/** Recomputes the chain from `from` on, as a forger rewriting history would. */
function rechain(bundle: ProofBundle, from: number): void {
  let head = from === 0 ? bundle.trace.genesis_hash : bundle.steps[from - 1]!.step_hash;
  for (const step of bundle.steps.slice(from)) {
    Object.assign(step, extendChain(head, step.envelope));
    head = step.step_hash;
  }
}

describe('verifyProofBundle', () => {
  it('verifies a bundle written by the runner path and read back from JSON', () => {
    const { bundle } = buildSealedRun({ key, contents: [0, 1, 2].map(sampleStepContent) });
    expect(ProofBundleSchema.safeParse(jsonCopy(bundle)).success).toBe(true);
    expect(verifyProofBundle(jsonCopy(bundle), { trustedKeys })).toEqual({
      verification_status: 'VERIFIED',
      failure_reason: null,
      first_divergent_step: null,
      signature_valid: true,
      chain_length: 3,
      root_hash: bundle.trace.root_hash,
      merkle_root: bundle.trace.merkle_root,
      outcome_unknown_steps: [],
      log_inclusion: expect.objectContaining({ log_index: 1, tree_size: 3, consistent_from: null }),
    });
  });

  it('verifies a sealed trace with no steps (a run that failed before its first step)', () => {
    const { bundle } = buildSealedRun({ key, contents: [] });
    expect(bundle.trace.root_hash).toBe(bundle.trace.genesis_hash);
    expect(verifyProofBundle(jsonCopy(bundle), { trustedKeys }).verification_status).toBe('VERIFIED');
  });

  it('names the edited step when a stored field changes', () => {
    const bundle = threeSteps();
    (bundle.steps[1]!.envelope.params as { message: string }).message = 'hello 2';
    expectFailure(bundle, 'step 1: leaf_hash does not match its contents', 1);
  });

  it('catches a forger who rewrites the chain, one stored value at a time, up to the signature', () => {
    const bundle = threeSteps();
    bundle.steps[1]!.envelope.status = 'failure';
    bundle.steps[1]!.leaf_hash = extendChain(bundle.steps[1]!.prev_hash, bundle.steps[1]!.envelope).leaf_hash;
    expectFailure(bundle, 'step 1: step_hash does not match prev_hash and leaf_hash', 1);
    rechain(bundle, 1);
    expectFailure(bundle, 'root_hash does not match the step_hash of the last step');
    bundle.trace.root_hash = bundle.steps[2]!.step_hash;
    expectFailure(bundle, 'run_outcome.root_hash does not match the steps');
    bundle.outcome!.envelope.root_hash = bundle.steps[2]!.step_hash;
    expectFailure(bundle, 'run_outcome: leaf_hash does not match its contents');
    bundle.outcome!.leaf_hash = computeEnvelopeHash(bundle.outcome!.envelope);
    expectFailure(bundle, 'merkle_root does not match the leaf hashes of the header, the steps and the outcome');
    bundle.trace.merkle_root = merkleTreeHash([
      bundle.header!.leaf_hash,
      ...bundle.steps.map((step) => step.leaf_hash),
      bundle.outcome!.leaf_hash,
    ]);
    expectFailure(bundle, 'checkpoint: root hash does not match merkle_root');
  });

  it('catches a dropped last step', () => {
    const bundle = threeSteps();
    bundle.steps.pop();
    expectFailure(bundle, 'chain_length is 3 but the trace has 2 steps', 2);
  });

  it('catches a dropped middle step and a reordering', () => {
    const dropped = threeSteps();
    dropped.steps.splice(1, 1);
    expectFailure(dropped, 'step 1: envelope.step_index is 2, expected 1', 1);
    const reordered = threeSteps();
    reordered.steps.reverse();
    expectFailure(reordered, 'step 0: envelope.step_index is 2, expected 0', 0);
  });

  it("catches a step taken from another run's trace", () => {
    const bundle = threeSteps();
    const other = jsonCopy(buildSealedRun({ key, contents: [0, 1].map(sampleStepContent) }).bundle);
    bundle.steps[1] = other.steps[1]!;
    expectFailure(bundle, 'step 1: envelope.trace_id does not match the trace', 1);
  });

  it('catches an edited prev_hash', () => {
    const bundle = threeSteps();
    bundle.steps[0]!.prev_hash = bundle.steps[0]!.step_hash;
    expectFailure(bundle, 'step 0: prev_hash does not match the genesis hash', 0);
  });

  it('catches an edited plan or genesis hash', () => {
    const plan = threeSteps();
    (plan.plan as { goal: string }).goal = 'something else';
    expectFailure(plan, 'plan_hash does not match the plan');
    const genesis = threeSteps();
    genesis.trace.genesis_hash = genesis.steps[0]!.leaf_hash;
    expectFailure(genesis, 'genesis_hash does not match plan_hash, run_id, tenant_id and trace_id');
  });

  it('fails, with the signature invalid, when no trusted key signed the checkpoint', () => {
    const result = verifyProofBundle(threeSteps(), {
      trustedKeys: [generateSigningKey('aos.test').verifierKey],
    });
    expect(result).toMatchObject({
      verification_status: 'FAILED',
      failure_reason: 'checkpoint: no signature by a trusted key',
      signature_valid: false,
    });
  });

  it('refuses a genuine checkpoint of another run (the origin names tenant and run)', () => {
    const contents = [0, 1, 2].map(sampleStepContent);
    const bundle = jsonCopy(buildSealedRun({ key, contents, runId: 'run-a' }).bundle);
    const other = buildSealedRun({ key, contents, runId: 'run-b' }).bundle;
    bundle.trace.checkpoint = other.trace.checkpoint;
    const result = verifyProofBundle(bundle, { trustedKeys });
    expect(result.signature_valid).toBe(true);
    expect(result.failure_reason).toBe('checkpoint: origin "aos.test/acme/run-b" is not "aos.test/acme/run-a"');
  });

  it('fails an unsealed trace', () => {
    const bundle = threeSteps();
    bundle.trace.root_hash = null;
    expectFailure(bundle, 'trace is not sealed');
  });

  it('reports a malformed bundle as FAILED with the path of the problem', () => {
    expectFailure({ format: 'something' }, /^bundle: format: /);
    expectFailure(null, /^bundle: /);
    const badHash = threeSteps();
    badHash.trace.merkle_root = 'XYZ';
    expectFailure(badHash, 'bundle: trace.merkle_root: must be 64 lowercase hex characters');
    const extra = threeSteps();
    (extra.steps[2]!.envelope as unknown as Record<string, unknown>).note = 'x';
    expectFailure(extra, 'step 2: envelope has an unexpected field "note"', 2);
  });

  it('checks that the run and its trace agree', () => {
    const bundle = threeSteps();
    bundle.run.tenant_id = 'someone-else';
    expectFailure(bundle, 'run.tenant_id does not match trace.tenant_id');
  });

  it('throws for a malformed trusted key instead of reporting FAILED', () => {
    expect(() => verifyProofBundle(threeSteps(), { trustedKeys: ['nope'] })).toThrow(ProofError);
  });
});

describe('verifyProofBundle: write then verify random steps', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 12 });
  const number = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, 1e21, 5e-324, -0, 1e300),
  );
  const json = fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 3 });
  const stepContent: fc.Arbitrary<StepContent> = fc.record({
    attempt: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
    plan_step_id: fc.option(text, { nil: null }),
    skill_id: fc.option(text, { nil: null }),
    skill_name: text,
    skill_version: fc.option(text, { nil: null }),
    params: json,
    status: fc.constantFrom('success', 'failure', 'skipped'),
    outcome_category: fc.option(text, { nil: null }),
    outcome_code: fc.option(text, { nil: null }),
    outcome_data: json,
    error: fc.option(text, { nil: null }),
    // Costs are summed into the outcome leaf, so they stay finite when added up.
    cost_cents: fc.option(fc.double({ noNaN: true, min: -1e12, max: 1e12 }), { nil: null }),
    duration_ms: fc.option(number, { nil: null }),
    retry_count: fc.option(fc.nat({ max: 10 }), { nil: null }),
    replay_behavior: fc.constantFrom('execute', 'skip', 'check', null),
    started_at: fc.option(fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }), {
      nil: null,
    }),
    completed_at: fc.constantFrom(null, '2026-02-09T18:12:00.986Z'),
  });
  const editableFields = [...STEP_ENVELOPE_FIELDS, 'leaf_hash', 'prev_hash', 'step_hash'] as const;

  function edit(value: unknown, field: string): unknown {
    if (field.endsWith('_hash')) {
      const hex = value as string;
      return (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    }
    if (field === 'params' || field === 'outcome_data') return { edited: value };
    if (field === 'started_at' || field === 'completed_at') {
      return value === '2001-01-01T00:00:00.000Z' ? '2001-01-01T00:00:00.001Z' : '2001-01-01T00:00:00.000Z';
    }
    if (typeof value === 'number') return value === 0 ? 1 : -value;
    if (typeof value === 'string') return `${value}x`;
    return field === 'attempt' || field === 'retry_count' || field.endsWith('_cents') || field.endsWith('_ms')
      ? 1
      : 'x';
  }

  it('is VERIFIED as written, and FAILED naming the step when any one field is edited', () => {
    fc.assert(
      fc.property(
        fc.array(stepContent, { minLength: 1, maxLength: 6 }),
        fc.nat(),
        fc.constantFrom(...editableFields),
        (generated, stepSeed, field) => {
          // Steps follow the plan: each executes its own plan step, attempts never go back.
          let attempt = 0;
          const contents = generated.map((content, i) => {
            attempt = Math.max(attempt, (content.attempt as number | null) ?? 0);
            const kept = content.attempt === null && attempt === 0 ? null : attempt;
            return { ...content, plan_step_id: `p${i}`, attempt: kept };
          });
          const written = jsonCopy(buildSealedRun({ key, contents }).bundle);
          expect(verifyProofBundle(written, { trustedKeys })).toMatchObject({
            verification_status: 'VERIFIED',
            chain_length: contents.length,
          });
          const k = stepSeed % contents.length;
          const step = written.steps[k]!;
          if (STEP_ENVELOPE_FIELDS.includes(field as keyof StepEnvelope)) {
            const envelope = step.envelope as unknown as Record<string, unknown>;
            envelope[field] = edit(envelope[field], field);
          } else {
            const record = step as unknown as Record<string, unknown>;
            record[field] = edit(record[field], field);
          }
          const result = verifyProofBundle(jsonCopy(written), { trustedKeys });
          expect(result.verification_status).toBe('FAILED');
          expect(result.first_divergent_step).toBe(k);
          expect(result.failure_reason).toMatch(new RegExp(`^step ${k}: `));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('verifyProofBundle: every edit of what a reader relies on is FAILED, naming it (trace v3)', () => {
  /** A forger without the key: recomputes every hash that follows from an edited plan or run. */
  function reforge(bundle: ProofBundle): void {
    const trace = bundle.trace;
    trace.plan_hash = computePlanHash(bundle.plan);
    bundle.run.plan_hash = trace.plan_hash;
    trace.genesis_hash = computeGenesisHash(trace);
    rechain(bundle, 0);
    trace.root_hash = bundle.steps.at(-1)?.step_hash ?? trace.genesis_hash;
    const header = toRunHeader(bundle.run, trace);
    const outcome = toRunOutcome(bundle.run, trace, {
      chain_length: bundle.steps.length,
      root_hash: trace.root_hash,
      total_cost_cents: bundle.steps.reduce((sum, s) => sum + (s.envelope.cost_cents ?? 0), 0),
    });
    bundle.header = { envelope: { ...header }, leaf_hash: computeEnvelopeHash(header) };
    bundle.outcome = { envelope: { ...outcome }, leaf_hash: computeEnvelopeHash(outcome) };
    trace.merkle_root = merkleTreeHash([
      bundle.header.leaf_hash,
      ...bundle.steps.map((s) => s.leaf_hash),
      bundle.outcome.leaf_hash,
    ]);
  }

  const cases: [string, (b: ProofBundle) => void, string | RegExp, number | null][] = [
    ['the goal', (b) => void (b.run.goal = 'echo forged'), "plan.goal does not match the run's goal", null],
    [
      'the plan, with every hash recomputed and no key',
      (b) => {
        ((b.plan as { steps: { description: string }[] }).steps[0] as { description: string }).description = 'forged';
        reforge(b);
      },
      'checkpoint: root hash does not match merkle_root',
      null,
    ],
    [
      'the goal and the plan together, every hash recomputed',
      (b) => {
        b.run.goal = 'forged';
        (b.plan as { goal: string }).goal = 'forged';
        reforge(b);
      },
      'checkpoint: root hash does not match merkle_root',
      null,
    ],
    ['the run status', (b) => void (b.run.status = 'failed'), 'run_outcome.run_status does not match the run', null],
    ['the error', (b) => void (b.run.error_message = 'fine'), 'run_outcome.error_message does not match the run', null],
    ['the attempts', (b) => void (b.run.attempts = 3), 'run_outcome.attempts does not match the run', null],
    [
      'the trace status',
      (b) => void (b.trace.status = 'aborted'),
      'run_outcome.trace_status does not match the trace',
      null,
    ],
    [
      'the agent',
      (b) => void (b.run.agent_id = '00000000-0000-4000-8000-000000000000'),
      'run_header.agent_id does not match the run',
      null,
    ],
    [
      'the origin',
      (b) => void (b.run.origin_system_id = 'elsewhere'),
      'run_header.origin_system_id does not match the run',
      null,
    ],
    [
      'the idempotency key',
      (b) => void (b.run.idempotency_key = 'k'),
      'run_header.idempotency_key does not match the run',
      null,
    ],
    [
      'the creation time',
      (b) => void (b.run.created_at = '2026-02-09T18:11:58.000Z'),
      'run_header.created_at does not match the run',
      null,
    ],
    [
      'a sub-millisecond creation time',
      (b) => void (b.run.created_at = '2026-02-09T18:11:59.0004Z'),
      /^run\.created_at is not written as the signed time/,
      null,
    ],
    [
      'the completion time of the run',
      (b) => void (b.run.completed_at = '2026-02-09T18:13:00.001Z'),
      /^run\.completed_at does not match/,
      null,
    ],
    [
      'the seal time',
      (b) => void (b.trace.sealed_at = '2026-02-09T18:14:00.000Z'),
      /^trace\.sealed_at does not match/,
      null,
    ],
    ['the header leaf', (b) => void (b.header!.envelope.goal = 'x'), 'run_header.goal does not match the run', null],
    [
      'the outcome leaf',
      (b) => void (b.outcome!.leaf_hash = b.header!.leaf_hash),
      'run_outcome: leaf_hash does not match its contents',
      null,
    ],
    [
      'a step moved to another plan step',
      (b) => void (b.steps[1]!.envelope.plan_step_id = 's9'),
      'step 1: plan_step_id "s9" is not a step of the plan',
      1,
    ],
    [
      'a step claiming another skill, rehashed',
      (b) => {
        b.steps[0]!.envelope.skill_name = 'http_call';
        reforge(b);
      },
      'step 0: skill_name "http_call" is not the plan\'s skill "echo" for s1',
      0,
    ],
    ['an unknown member', (b) => void ((b.run as Record<string, unknown>).extra = 1), /^bundle: run: /, null],
  ];

  it.each(cases)('an edit of %s', (_name, change, reason, step) => {
    const bundle = threeSteps();
    change(bundle);
    expectFailure(jsonCopy(bundle), reason, step);
  });

  it('a step that was started and never finished is reported, and FAILS a run that claims success', () => {
    const contents = [sampleStepContent(0), { ...sampleStepContent(1), status: 'started', completed_at: null }];
    const failed = jsonCopy(buildSealedRun({ key, contents, runStatus: 'failed' }).bundle);
    expect(verifyProofBundle(failed, { trustedKeys })).toMatchObject({
      verification_status: 'VERIFIED',
      outcome_unknown_steps: [1],
    });
    expect(() => buildSealedRun({ key, contents, runStatus: 'succeeded' })).toThrow(
      /started with no outcome, yet the run succeeded/,
    );
  });
});
