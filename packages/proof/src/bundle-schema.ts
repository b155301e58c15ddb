import * as z from 'zod/mini';

import { LogReceiptSchema } from './tenant-log';
import { findStepEnvelopeProblem, type StepEnvelope } from './step-envelope';
import { RUN_STATUSES, TRACE_STATUSES } from './vocabulary';

/**
 * Format tag of a whole-run proof bundle.
 *
 * @example
 * ```ts
 * if (document.format === PROOF_BUNDLE_FORMAT) verifyProofBundle(document, { trustedKeys });
 * ```
 */
export const PROOF_BUNDLE_FORMAT = 'aos.proof-bundle.v2';
/**
 * Format tag of a single-step inclusion proof.
 *
 * @example
 * ```ts
 * if (document.format === STEP_PROOF_FORMAT) verifyStepInclusionProof(document, { trustedKeys });
 * ```
 */
export const STEP_PROOF_FORMAT = 'aos.step-proof.v2';

const HashHexSchema = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'));
const IdSchema = z.string().check(z.minLength(1, 'must be a non-empty string'));
const CountSchema = z.int().check(z.nonnegative());
const TimestampSchema = z.iso.datetime({ error: 'must be an ISO-8601 UTC time' });

/**
 * Zod schema of a {@link StepEnvelope}: the exact 22 fields and their types. `params` and
 * `outcome_data` are not walked (hashing them checks they are JSON), which keeps validating a
 * million envelopes cheap.
 *
 * @example
 * ```ts
 * const envelope = StepEnvelopeSchema.parse(JSON.parse(text));
 * ```
 */
export const StepEnvelopeSchema = z.custom<StepEnvelope>().check(
  z.superRefine((value, ctx) => {
    const problem = findStepEnvelopeProblem(value);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/**
 * Zod schema of one step of a bundle: its envelope and the three hashes stored with it.
 *
 * @example
 * ```ts
 * const step: StepRecord = StepRecordSchema.parse(row);
 * ```
 */
export const StepRecordSchema = z.strictObject({
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
export const BundleRunSchema = z.strictObject({
  id: IdSchema,
  tenant_id: IdSchema,
  agent_id: IdSchema,
  origin_system_id: IdSchema,
  goal: z.string(),
  idempotency_key: z.nullable(z.string()),
  status: z.enum(RUN_STATUSES),
  error_message: z.nullable(z.string()),
  attempts: CountSchema,
  plan_hash: z.nullable(HashHexSchema),
  created_at: TimestampSchema,
  completed_at: z.nullable(TimestampSchema),
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
export const BundleTraceSchema = z.strictObject({
  trace_id: IdSchema,
  run_id: IdSchema,
  tenant_id: IdSchema,
  plan_hash: HashHexSchema,
  genesis_hash: HashHexSchema,
  status: z.enum(TRACE_STATUSES),
  started_at: TimestampSchema,
  completed_at: z.nullable(TimestampSchema),
  root_hash: z.nullable(HashHexSchema),
  merkle_root: z.nullable(HashHexSchema),
  chain_length: z.nullable(CountSchema),
  checkpoint: z.nullable(z.string()),
  sealed_at: z.nullable(TimestampSchema),
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
 * Zod schema of the header or outcome leaf of a bundle: the envelope and its leaf hash. The
 * envelope's fields are checked by verification (against the run and trace), not here.
 *
 * @example
 * ```ts
 * const header = BundleLeafSchema.parse(bundle.header);
 * ```
 */
export const BundleLeafSchema = z.strictObject({
  envelope: z.record(z.string(), z.union([z.string(), z.number(), z.null()])),
  leaf_hash: HashHexSchema,
});
/**
 * The header or outcome leaf of a bundle.
 *
 * @example
 * ```ts
 * const leaf: BundleLeaf = { envelope: seal.header_envelope, leaf_hash: seal.header_hash };
 * ```
 */
export type BundleLeaf = z.infer<typeof BundleLeafSchema>;

/**
 * Zod schema of a whole-run proof bundle (`format: "aos.proof-bundle.v2"`): the run, its plan,
 * its trace with the signed checkpoint, the header leaf, every step envelope with its hashes,
 * the outcome leaf, the name of the key that signed it, and the run's tenant-log receipt
 * (`null` while the run is not in its tenant log; verification then FAILS). Unknown members are refused everywhere.
 *
 * @example
 * ```ts
 * const bundle: ProofBundle = ProofBundleSchema.parse(JSON.parse(text));
 * ```
 */
export const ProofBundleSchema = z.strictObject({
  format: z.literal(PROOF_BUNDLE_FORMAT),
  run: BundleRunSchema,
  plan: z.json(),
  trace: BundleTraceSchema,
  header: z.nullable(BundleLeafSchema),
  outcome: z.nullable(BundleLeafSchema),
  verifier_key_name: IdSchema,
  exported_at: TimestampSchema,
  receipt: z.nullable(LogReceiptSchema),
  steps: z.array(StepRecordSchema),
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
export const ProofBundleOutlineSchema = z.extend(ProofBundleSchema, { steps: z.array(z.unknown()) });
/** A bundle whose steps are not checked yet. */
export type ProofBundleOutline = z.infer<typeof ProofBundleOutlineSchema>;

/**
 * Zod schema of a single-step inclusion proof (`format: "aos.step-proof.v2"`): the envelope, its
 * leaf hash and leaf index in the run's tree (step_index + 1: leaf 0 is the run header), the
 * RFC 9162 audit path to the root of `tree_size` leaves (chain length + 2), and the signed
 * checkpoint holding that root.
 *
 * @example
 * ```ts
 * const proof: StepInclusionProof = StepInclusionProofSchema.parse(JSON.parse(text));
 * ```
 */
export const StepInclusionProofSchema = z.strictObject({
  format: z.literal(STEP_PROOF_FORMAT),
  envelope: StepEnvelopeSchema,
  leaf_hash: HashHexSchema,
  index: CountSchema,
  tree_size: z.int().check(z.positive()),
  audit_path: z.array(HashHexSchema),
  checkpoint: z.string().check(z.minLength(1)),
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

export { describeZodError, safeParseSchema } from './zod-error';
