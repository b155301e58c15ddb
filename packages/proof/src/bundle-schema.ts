import { z } from 'zod';

import { findStepEnvelopeProblem, type StepEnvelope } from './step-envelope';

/**
 * Format tag of a whole-run proof bundle.
 *
 * @example
 * ```ts
 * if (document.format === PROOF_BUNDLE_FORMAT) verifyProofBundle(document, { trustedKeys });
 * ```
 */
export const PROOF_BUNDLE_FORMAT = 'aos.proof-bundle.v1';
/**
 * Format tag of a single-step inclusion proof.
 *
 * @example
 * ```ts
 * if (document.format === STEP_PROOF_FORMAT) verifyStepInclusionProof(document, { trustedKeys });
 * ```
 */
export const STEP_PROOF_FORMAT = 'aos.step-proof.v1';

/**
 * Run statuses of SPEC §3.1.
 *
 * @example
 * ```ts
 * RUN_STATUSES.includes('halted'); // true
 * ```
 */
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'retry', 'halted'] as const;
/**
 * Trace statuses of SPEC §3.1.
 *
 * @example
 * ```ts
 * TRACE_STATUSES.includes('aborted'); // true
 * ```
 */
export const TRACE_STATUSES = ['running', 'completed', 'failed', 'aborted'] as const;

const HashHexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
const IdSchema = z.string().min(1, 'must be a non-empty string');
const TimestampSchema = z.iso.datetime({ error: 'must be an ISO-8601 UTC time' });

/**
 * Zod schema of a {@link StepEnvelope}: the exact 21 fields and their types. `params` and
 * `outcome_data` are not walked (hashing them checks they are JSON), which keeps validating a
 * million envelopes cheap.
 *
 * @example
 * ```ts
 * const envelope = StepEnvelopeSchema.parse(JSON.parse(text));
 * ```
 */
export const StepEnvelopeSchema = z.custom<StepEnvelope>().superRefine((value, ctx) => {
  const problem = findStepEnvelopeProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Zod schema of one step of a bundle: its envelope and the three hashes stored with it.
 *
 * @example
 * ```ts
 * const step: StepRecord = StepRecordSchema.parse(row);
 * ```
 */
export const StepRecordSchema = z.object({
  envelope: StepEnvelopeSchema,
  leaf_hash: HashHexSchema,
  prev_hash: HashHexSchema,
  step_hash: HashHexSchema,
});
/**
 * One step of a trace with its hashes.
 *
 * @example
 * ```ts
 * const step: StepRecord = { envelope, ...extendChain(head, envelope) };
 * ```
 */
export type StepRecord = z.infer<typeof StepRecordSchema>;

/**
 * Zod schema of the run part of a bundle.
 *
 * @example
 * ```ts
 * const run = BundleRunSchema.parse(bundle.run);
 * ```
 */
export const BundleRunSchema = z.object({
  id: IdSchema,
  tenant_id: IdSchema,
  agent_id: IdSchema,
  goal: z.string(),
  status: z.enum(RUN_STATUSES),
  origin_system_id: IdSchema,
  plan_hash: HashHexSchema.nullable(),
  created_at: TimestampSchema,
  completed_at: TimestampSchema.nullable(),
});
/**
 * The run a bundle proves.
 *
 * @example
 * ```ts
 * const run: BundleRun = bundle.run;
 * ```
 */
export type BundleRun = z.infer<typeof BundleRunSchema>;

/**
 * Zod schema of a trace row as verification needs it; the seal fields are `null` until the
 * trace is sealed.
 *
 * @example
 * ```ts
 * const trace = BundleTraceSchema.parse(bundle.trace);
 * ```
 */
export const BundleTraceSchema = z.object({
  trace_id: IdSchema,
  run_id: IdSchema,
  tenant_id: IdSchema,
  plan_hash: HashHexSchema,
  genesis_hash: HashHexSchema,
  status: z.enum(TRACE_STATUSES),
  root_hash: HashHexSchema.nullable(),
  merkle_root: HashHexSchema.nullable(),
  chain_length: z.number().int().nonnegative().nullable(),
  checkpoint: z.string().nullable(),
  sealed_at: TimestampSchema.nullable(),
});
/**
 * The trace part of a bundle.
 *
 * @example
 * ```ts
 * const sealed = (trace: BundleTrace) => trace.checkpoint !== null;
 * ```
 */
export type BundleTrace = z.infer<typeof BundleTraceSchema>;

/**
 * Zod schema of a whole-run proof bundle (`format: "aos.proof-bundle.v1"`): the run, its plan,
 * its trace with the signed checkpoint, every step envelope with its hashes, and the name of
 * the key that signed it.
 *
 * @example
 * ```ts
 * const bundle: ProofBundle = ProofBundleSchema.parse(JSON.parse(text));
 * ```
 */
export const ProofBundleSchema = z.object({
  format: z.literal(PROOF_BUNDLE_FORMAT),
  run: BundleRunSchema,
  plan: z.json(),
  trace: BundleTraceSchema,
  steps: z.array(StepRecordSchema),
  verifier_key_name: IdSchema,
  exported_at: TimestampSchema,
});
/**
 * A whole-run proof bundle.
 *
 * @example
 * ```ts
 * const bundle: ProofBundle = createProofBundle({ run, plan, trace, steps, verifierKeyName });
 * ```
 */
export type ProofBundle = z.infer<typeof ProofBundleSchema>;

/**
 * The bundle without its steps checked: verification checks each step itself, in order, so
 * the first bad one is named as a divergent step and a long chain is not walked twice.
 */
export const ProofBundleOutlineSchema = ProofBundleSchema.extend({ steps: z.array(z.unknown()) });
/** A bundle whose steps are not checked yet. */
export type ProofBundleOutline = z.infer<typeof ProofBundleOutlineSchema>;

/**
 * Zod schema of a single-step inclusion proof (`format: "aos.step-proof.v1"`): the envelope, its
 * leaf hash and position, the RFC 9162 audit path to the root of `tree_size` leaves, and the
 * signed checkpoint holding that root.
 *
 * @example
 * ```ts
 * const proof: StepInclusionProof = StepInclusionProofSchema.parse(JSON.parse(text));
 * ```
 */
export const StepInclusionProofSchema = z.object({
  format: z.literal(STEP_PROOF_FORMAT),
  envelope: StepEnvelopeSchema,
  leaf_hash: HashHexSchema,
  index: z.number().int().nonnegative(),
  tree_size: z.number().int().positive(),
  audit_path: z.array(HashHexSchema),
  checkpoint: z.string().min(1),
  verifier_key_name: IdSchema,
});
/**
 * A single-step inclusion proof.
 *
 * @example
 * ```ts
 * const proof: StepInclusionProof = createStepInclusionProof({ step, leafHashes, checkpoint, verifierKeyName });
 * ```
 */
export type StepInclusionProof = z.infer<typeof StepInclusionProofSchema>;

/** `steps[3].envelope: …` from a zod error: the first issue, with its path. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  let path = '';
  for (const segment of issue.path) {
    path += typeof segment === 'number' ? `[${segment}]` : `${path === '' ? '' : '.'}${String(segment)}`;
  }
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}
