import { ProofError } from './errors';
import { describeValue, sha256Hex } from './sha256-hash';

/**
 * The step fields the legacy fingerprint covers.
 *
 * @example
 * ```ts
 * const step: LegacyChainStep = { step_index: 0, skill_name: 'echo', status: 'success' };
 * ```
 */
export interface LegacyChainStep {
  step_index: number;
  skill_name: string;
  status: string;
}

/**
 * The earlier Python system's run fingerprint, for comparing old records: one SHA-256 fed the
 * UTF-8 run id, then `"<step_index>:<skill_name>:<status>"` for each step in order, with no
 * separators. It proves nothing on its own — it covers neither params nor outcomes, is not
 * signed, and anyone can recompute it — so it is never a reason to report VERIFIED. Throws a
 * {@link ProofError} `PROOF_BAD_VALUE` when a step_index is not an integer or a name/status is
 * not a string.
 *
 * @example
 * ```ts
 * legacyHashChainV1(runId, [{ step_index: 0, skill_name: 'echo', status: 'success' }]);
 * ```
 */
export function legacyHashChainV1(runId: string, steps: readonly LegacyChainStep[]): string {
  if (typeof runId !== 'string') {
    throw new ProofError('PROOF_BAD_VALUE', `run id must be a string, got ${describeValue(runId)}`);
  }
  // Hashing the concatenation is hashing the parts one after another (UTF-8 of a
  // concatenation is the concatenation of the UTF-8).
  const parts = [runId];
  for (const [i, step] of steps.entries()) {
    const { step_index, skill_name, status } = step;
    if (!Number.isSafeInteger(step_index)) {
      throw new ProofError(
        'PROOF_BAD_VALUE',
        `steps[${i}].step_index must be an integer, got ${describeValue(step_index)}`,
      );
    }
    if (typeof skill_name !== 'string' || typeof status !== 'string') {
      throw new ProofError('PROOF_BAD_VALUE', `steps[${i}].skill_name and status must be strings`);
    }
    parts.push(`${step_index}:${skill_name}:${status}`);
  }
  return sha256Hex(parts.join(''));
}
