import type { BundleVerification } from '../bundle-verifier';
import { EXIT_CODES, writeJson, type CommandContext, type ExitCode } from '../cli-kit/index';
import { ProofError } from '../errors';
import type { StepProofVerification } from '../step-proof';

// The verifiers report a document of the wrong shape as a FAILED verdict whose reason starts
// with what they were reading; the command line calls that bad input, as its help says.
const SHAPE_FAILURE_PREFIXES = ['bundle: ', 'step proof: '] as const;

/** What the command checked beyond the document itself, which decides the lines printed. */
export interface VerificationShown {
  /** A witness policy was given, so `cosigned_by` is a finding (even when empty). */
  policy?: boolean;
}

/**
 * Prints a verdict — one JSON document with `--json`, else `name: value` lines — and returns its
 * exit code: 0 VERIFIED, 5 not. Throws `PROOF_BAD_BUNDLE` (exit 2) instead when the verdict is that
 * the document is not of the documented shape.
 */
export function printVerification(
  context: CommandContext,
  result: BundleVerification | StepProofVerification,
  shown: VerificationShown = {},
): ExitCode {
  const reason = result.failure_reason;
  if (reason !== null && SHAPE_FAILURE_PREFIXES.some((prefix) => reason.startsWith(prefix))) {
    throw new ProofError('PROOF_BAD_BUNDLE', reason);
  }
  if (context.json) writeJson(context.io, result);
  else context.io.stdout.write(renderVerification(result, shown));
  return result.verification_status === 'VERIFIED' ? EXIT_CODES.ok : EXIT_CODES.notVerified;
}

/**
 * Human lines `name: value` of a verification: the log lines only when the receipt verified
 * (`consistent_from` with a saved checkpoint, `cosigned_by` with a policy), `failure_reason`
 * only when it FAILED.
 */
function renderVerification(result: BundleVerification | StepProofVerification, shown: VerificationShown): string {
  const lines: string[] = [`verification_status: ${result.verification_status}`];
  const fields: [string, unknown][] =
    'chain_length' in result
      ? [
          ['chain_length', result.chain_length],
          ['root_hash', result.root_hash],
          ['merkle_root', result.merkle_root],
          ['signature_valid', result.signature_valid],
        ]
      : [
          ['index', result.index],
          ['tree_size', result.tree_size],
          ['leaf_hash', result.leaf_hash],
          ['merkle_root', result.merkle_root],
          ['signature_valid', result.signature_valid],
        ];
  if ('log_inclusion' in result && result.log_inclusion !== null) {
    const inclusion = result.log_inclusion;
    fields.push(
      ['log_index', inclusion.log_index],
      ['log_size', inclusion.tree_size],
      ['log_root', inclusion.root_hash],
    );
    if (inclusion.consistent_from !== null) fields.push(['consistent_from', inclusion.consistent_from]);
    if (shown.policy === true) {
      fields.push(['cosigned_by', inclusion.cosigned_by.length === 0 ? 'none' : inclusion.cosigned_by.join(', ')]);
    }
  }
  for (const [name, value] of fields) lines.push(`${name}: ${String(value)}`);
  if ('first_divergent_step' in result && result.first_divergent_step !== null) {
    lines.push(`first_divergent_step: ${result.first_divergent_step}`);
  }
  if (result.failure_reason !== null) lines.push(`failure_reason: ${result.failure_reason}`);
  return `${lines.join('\n')}\n`;
}
