import type { BundleVerification } from '../bundle-verifier';
import type { StepProofVerification } from '../step-proof';

/** Human lines `name: value` of a verification, `failure_reason` only when it FAILED. */
export function renderVerification(result: BundleVerification | StepProofVerification): string {
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
  for (const [name, value] of fields) lines.push(`${name}: ${String(value)}`);
  if ('first_divergent_step' in result && result.first_divergent_step !== null) {
    lines.push(`first_divergent_step: ${result.first_divergent_step}`);
  }
  if (result.failure_reason !== null) lines.push(`failure_reason: ${result.failure_reason}`);
  return `${lines.join('\n')}\n`;
}

/** One JSON document and a newline. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** The JSON error document of docs/cus-cli.md. */
export function renderJsonError(code: string, message: string): string {
  return renderJson({ error: { code, message } });
}
