import { bytesToHex } from '#platform';

import type { StepRecord } from './bundle-schema';
import { merkleRootOfLeafBuffer } from './merkle-tree';
import type { SigningKey } from './note-key';
import {
  computeEnvelopeHash,
  toRunHeader,
  type RunFacts,
  type RunHeaderEnvelope,
  type RunOutcomeEnvelope,
  type TraceFacts,
} from './run-envelopes';
import { checkpointOrigin, signCheckpoint } from './tlog-checkpoint';
import { expectedOutcome, openTraceCheck, StepChainCheck, TraceOpening, type TraceFailure } from './trace-verifier';

/**
 * What {@link sealRunTrace} needs: the deployment key and the run's stored record, with the
 * run's and the trace's *final* status, error and completion time (they are signed).
 *
 * @example
 * ```ts
 * const input: SealRunInput = { signingKey, run, plan, trace, steps };
 * ```
 */
export interface SealRunInput {
  /** The deployment's signing key; its name is the deployment origin. */
  signingKey: SigningKey;
  run: RunFacts;
  plan: unknown;
  trace: TraceFacts;
  /** Every stored step with its hashes, in step_index order, exactly as read back. */
  steps: readonly StepRecord[];
}

/**
 * The values a sealed trace stores.
 *
 * @example
 * ```ts
 * const { merkle_root, checkpoint }: RunSeal = result.seal;
 * ```
 */
export interface RunSeal {
  header_envelope: RunHeaderEnvelope;
  header_hash: string;
  outcome_envelope: RunOutcomeEnvelope;
  outcome_hash: string;
  root_hash: string;
  merkle_root: string;
  chain_length: number;
  /** Signed note whose body is a tlog checkpoint of the run's tree (n + 2 leaves). */
  checkpoint: string;
}

/**
 * A seal, or why the record may not be signed.
 *
 * @example
 * ```ts
 * const result: SealResult = sealRunTrace(input);
 * if (!result.ok) console.error(result.failure.reason);
 * ```
 */
export type SealResult =
  { ok: true; seal: RunSeal; outcome_unknown_steps: number[] } | { ok: false; failure: TraceFailure };

/**
 * Seals a run's trace, checking before it signs: recomputes the header leaf from the run and
 * trace, every step's leaf, the chain and its plan order from the stored rows, the outcome leaf
 * from the final status, then the Merkle root over the n + 2 leaves, and signs a checkpoint
 * `<key name>/<tenant>/<run>` of that tree. When anything does not hold it signs nothing and
 * returns the first failure, so a forged or damaged record is never attested. Throws a
 * {@link ProofError} only for a malformed key name or id.
 *
 * @example
 * ```ts
 * const result = sealRunTrace({ signingKey, run: { ...run, status: 'succeeded' }, plan, trace, steps });
 * if (result.ok) await store(result.seal);
 * ```
 */
export function sealRunTrace(input: SealRunInput): SealResult {
  const { signingKey, run, plan, trace, steps } = input;
  const record = { ...trace, root_hash: null, merkle_root: null, chain_length: null, checkpoint: null };
  const opening = openTraceCheck(run, plan, record, null);
  if (!(opening instanceof TraceOpening)) return { ok: false, failure: opening };
  const chain = new StepChainCheck(record, opening, steps.length);
  for (const step of steps) {
    const failure = chain.add(step);
    if (failure !== null) return { ok: false, failure };
  }
  const unknown = chain.outcomeUnknown();
  if (unknown.length > 0 && run.status === 'succeeded') {
    const step = unknown[0] ?? null;
    return { ok: false, failure: { reason: `step ${step}: started with no outcome, yet the run succeeded`, step } };
  }
  const header = toRunHeader(run, trace);
  const outcome = expectedOutcome(run, trace, chain);
  const outcomeHash = computeEnvelopeHash(outcome);
  const size = chain.length + 2;
  const merkleRoot = bytesToHex(merkleRootOfLeafBuffer(chain.treeLeaves(outcomeHash), size));
  const origin = checkpointOrigin(signingKey.name, trace.tenant_id, trace.run_id);
  return {
    ok: true,
    outcome_unknown_steps: unknown,
    seal: {
      header_envelope: header,
      header_hash: opening.headerLeaf,
      outcome_envelope: outcome,
      outcome_hash: outcomeHash,
      root_hash: chain.head,
      merkle_root: merkleRoot,
      chain_length: chain.length,
      checkpoint: signCheckpoint({ origin, treeSize: size, rootHash: merkleRoot }, signingKey),
    },
  };
}
