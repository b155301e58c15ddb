import { describe, expect, it } from 'vitest';

import { runPython } from '../test/python-reference';
import { ProofError } from './errors';
import { computeLeafHash, computeStepHash, extendChain } from './hash-chain';
import { computeGenesisHash, computePlanHash } from './plan-hash';
import { computeEnvelopeHash, toRunHeader, toRunOutcome } from './run-envelopes';
import { sha256Hex } from './sha256-hash';
import { STEP_ENVELOPE_FIELDS, toStepEnvelope } from './step-envelope';

// Python's json.dumps with sorted keys and no whitespace equals JCS for these values (ASCII
// names, integers, and floats whose shortest form has a fraction).
const PY_JCS = "json.dumps(d, sort_keys=True, separators=(',', ':'), ensure_ascii=False)";

const ROW = {
  tenant_id: 'acme',
  run_id: '6f1c2c3e-1b7a-4f8e-9a51-0d3c2b1a0f9e',
  trace_id: 'trace_6f1c2c3e-1b7a-4f8e-9a51-0d3c2b1a0f9e',
  step_index: 0,
  attempt: 1,
  lease_epoch: 0,
  plan_step_id: 's1',
  skill_id: 'echo@1.0.0',
  skill_name: 'echo',
  skill_version: '1.0.0',
  params: { message: 'héllo', nested: [1, 2.5, null, { b: true, a: 'x' }] },
  status: 'success',
  outcome_category: 'ok',
  outcome_code: 'OK',
  outcome_data: { message: 'héllo' },
  error: null,
  cost_cents: 0.25,
  duration_ms: 3.75,
  retry_count: 0,
  replay_behavior: 'execute',
  started_at: new Date('2026-02-09T18:12:00.986Z'),
  completed_at: '2026-02-09T18:12:01.5+00:00',
};

describe('docs/proof.md hashes against an independent Python computation', () => {
  it('plan_hash and genesis_hash', () => {
    const plan = { plan_id: 'p1', steps: [{ step_id: 's1', skill: 'echo', params: { message: 'hi' } }] };
    const planHash = computePlanHash(plan);
    expect(planHash).toBe(
      runPython(
        `import sys, json, hashlib; d = json.load(sys.stdin); print(hashlib.sha256(${PY_JCS}.encode()).hexdigest())`,
        plan,
      ),
    );
    const ids = { plan_hash: planHash, run_id: ROW.run_id, tenant_id: 'acme', trace_id: ROW.trace_id };
    expect(computeGenesisHash(ids)).toBe(
      runPython(
        `import sys, json, hashlib; d = json.load(sys.stdin); print(hashlib.sha256(b"aos.trace.v3\\n" + ${PY_JCS}.encode()).hexdigest())`,
        ids,
      ),
    );
  });

  it('run_header and run_outcome leaf hashes', () => {
    const run = {
      id: ROW.run_id,
      tenant_id: 'acme',
      agent_id: '0b0e6a52-8f7c-4a8e-b0c4-1f2d3e4a5b6c',
      origin_system_id: 'cus-cli',
      goal: 'echo héllo',
      idempotency_key: null,
      created_at: new Date('2026-02-09T18:11:59.5Z'),
      status: 'succeeded',
      error_message: null,
      attempts: 1,
    };
    const trace = {
      trace_id: ROW.trace_id,
      run_id: ROW.run_id,
      tenant_id: 'acme',
      plan_hash: sha256Hex('plan'),
      genesis_hash: sha256Hex('genesis'),
      status: 'completed',
      started_at: '2026-02-09T18:12:00.000Z',
      completed_at: new Date('2026-02-09T18:12:02.25Z'),
    };
    const header = toRunHeader(run, trace);
    const outcome = toRunOutcome(run, trace, { chain_length: 1, root_hash: sha256Hex('head'), total_cost_cents: 0.25 });
    expect(header).toMatchObject({
      type: 'run_header',
      format: 'aos.trace.v3',
      created_at: '2026-02-09T18:11:59.500Z',
    });
    expect(outcome).toMatchObject({ type: 'run_outcome', completed_at: '2026-02-09T18:12:02.250Z' });
    const leafOf = `import sys, json, hashlib; d = json.load(sys.stdin); print(hashlib.sha256(b"\\x00" + ${PY_JCS}.encode()).hexdigest())`;
    expect(computeEnvelopeHash(header)).toBe(runPython(leafOf, header));
    expect(computeEnvelopeHash(outcome)).toBe(runPython(leafOf, outcome));
  });

  it('leaf_hash and step_hash', () => {
    const envelope = toStepEnvelope(ROW);
    const genesis = sha256Hex('genesis');
    const link = extendChain(genesis, envelope);
    const [leaf, step] = runPython(
      [
        'import sys, json, hashlib',
        'd = json.load(sys.stdin)',
        'env, prev = d["envelope"], d["prev"]',
        `leaf = hashlib.sha256(b"\\x00" + json.dumps(env, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()`,
        'print(leaf, hashlib.sha256(bytes.fromhex(prev) + bytes.fromhex(leaf)).hexdigest())',
      ].join('\n'),
      { envelope, prev: genesis },
    ).split(' ');
    expect(link).toEqual({ leaf_hash: leaf, prev_hash: genesis, step_hash: step });
    expect(computeLeafHash(envelope)).toBe(leaf);
    expect(computeStepHash(genesis, leaf!)).toBe(step);
  });
});

describe('toStepEnvelope', () => {
  it('holds exactly the 21 fields, timestamps in UTC with milliseconds, absent values as null', () => {
    const envelope = toStepEnvelope({ tenant_id: 'acme', run_id: 'r', trace_id: 'trace_r', step_index: 4 });
    expect(Object.keys(envelope).sort()).toEqual([...STEP_ENVELOPE_FIELDS].sort());
    expect(envelope.params).toBeNull();
    expect(toStepEnvelope(ROW)).toMatchObject({
      started_at: '2026-02-09T18:12:00.986Z',
      completed_at: '2026-02-09T18:12:01.500Z',
    });
  });

  it('gives the same hash whatever order the row lists its fields in', () => {
    const reversed = Object.fromEntries(Object.entries(ROW).reverse()) as typeof ROW;
    expect(computeLeafHash(toStepEnvelope(reversed))).toBe(computeLeafHash(toStepEnvelope(ROW)));
  });

  it.each([
    ['an int8 read back as a string', { step_index: '3' }, /step_index must be a non-negative integer/],
    ['a cost that is not a number', { cost_cents: '0.25' }, /cost_cents must be a finite number/],
    ['a timestamp without a zone', { started_at: '2026-02-09T18:12:00' }, /has no time zone/],
    ['an invalid Date', { started_at: new Date(Number.NaN) }, /is not a valid time/],
    ['a missing trace id', { trace_id: undefined }, /trace_id must be a non-empty string/],
  ])('refuses %s, naming the field', (_name, change, message) => {
    expect(() => toStepEnvelope({ ...ROW, ...change })).toThrow(message);
  });
});

describe('hash chain', () => {
  it('refuses hashes that are not 64 lowercase hex characters', () => {
    const leaf = sha256Hex('x');
    expect(() => computeStepHash(leaf.toUpperCase(), leaf)).toThrow(ProofError);
    expect(() => computeStepHash(leaf, 'abc')).toThrow(/leaf_hash must be 64 lowercase hex/);
    expect(() => computeGenesisHash({ plan_hash: 'x', run_id: 'r', tenant_id: 't', trace_id: 'trace_r' })).toThrow(
      /plan_hash/,
    );
  });

  it('refuses to extend a chain with a malformed envelope', () => {
    const envelope = { ...toStepEnvelope(ROW), extra: 1 };
    expect(() => extendChain(sha256Hex(''), envelope)).toThrow(/unexpected field "extra"/);
  });

  it('chains: each step_hash depends on the previous one', () => {
    const first = extendChain(sha256Hex('g'), toStepEnvelope(ROW));
    const second = extendChain(first.step_hash, toStepEnvelope({ ...ROW, step_index: 1 }));
    const forked = extendChain(sha256Hex('other'), toStepEnvelope({ ...ROW, step_index: 1 }));
    expect(second.leaf_hash).toBe(forked.leaf_hash);
    expect(second.step_hash).not.toBe(forked.step_hash);
  });
});
