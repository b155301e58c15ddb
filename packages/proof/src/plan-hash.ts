import { canonicalize } from './canonical-json';
import { ProofError } from './errors';
import { assertHashHex, describeValue, sha256Hex } from './sha256-hash';

/** Domain-separation prefix of the genesis hash (docs/proof.md). */
export const GENESIS_PREFIX = 'aos.trace.v3\n';

/**
 * `plan_hash` = SHA-256(UTF-8(JCS(plan))), as 64 lowercase hex characters.
 *
 * @example
 * ```ts
 * const planHash = computePlanHash({ plan_id: 'p1', steps: [] });
 * ```
 */
export function computePlanHash(plan: unknown): string {
  return sha256Hex(canonicalize(plan));
}

/**
 * The four values a trace's genesis hash commits to.
 *
 * @example
 * ```ts
 * const input: GenesisInput = { plan_hash, run_id, tenant_id, trace_id: `trace_${run_id}` };
 * ```
 */
export interface GenesisInput {
  plan_hash: string;
  run_id: string;
  tenant_id: string;
  trace_id: string;
}

/**
 * `genesis_hash` = SHA-256(UTF-8("aos.trace.v3\n" + JCS({plan_hash, run_id, tenant_id,
 * trace_id}))): the `prev_hash` of step 0. Throws a {@link ProofError} when `plan_hash` is not
 * a hash or an id is not a non-empty string.
 *
 * @example
 * ```ts
 * const genesis = computeGenesisHash({
 *   plan_hash: computePlanHash(plan),
 *   run_id: runId,
 *   tenant_id: 'acme',
 *   trace_id: `trace_${runId}`,
 * });
 * ```
 */
export function computeGenesisHash(input: GenesisInput): string {
  assertHashHex(input.plan_hash, 'plan_hash');
  for (const field of ['run_id', 'tenant_id', 'trace_id'] as const) {
    const value: unknown = input[field];
    if (typeof value !== 'string' || value === '') {
      throw new ProofError('PROOF_BAD_VALUE', `${field} must be a non-empty string, got ${describeValue(value)}`);
    }
  }
  const { plan_hash, run_id, tenant_id, trace_id } = input;
  return sha256Hex(GENESIS_PREFIX + canonicalize({ plan_hash, run_id, tenant_id, trace_id }));
}
