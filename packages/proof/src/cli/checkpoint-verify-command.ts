import { z } from 'zod';
import {
  EXIT_CODES,
  parseOptions,
  writeJson,
  type CommandContext,
  type ExitCode,
  type ParsedArgs,
} from '../cli-kit/index';
import { readJsonFile } from '../json-file';
import { parseWitnessPolicy, verifyCosignatureQuorum, type QuorumVerification } from '../witness-policy';
import { readTextInput } from './stdin-input';
import { fileArgument } from './verify-options';
import { MAX_CHECKPOINT_BYTES } from './witness-cosign-command';

const CheckpointVerifyOptions = z.object({
  checkpoint: fileArgument,
  policy: z.string({ error: 'name the witness policy file: --policy FILE' }).min(1),
});

/**
 * `aos-proof checkpoint verify <checkpoint> --policy FILE`: reads the policy (a bad one is a
 * usage error), then the note, and prints whether the log signed it and enough witnesses
 * cosigned it: exit 0 VERIFIED, 5 FAILED.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(CheckpointVerifyOptions, args, { positionals: ['checkpoint'], code: 'PROOF_USAGE' });
  const policy = parseWitnessPolicy(await readJsonFile(options.policy, 'policy'));
  const note = await readTextInput(options.checkpoint, context.io, MAX_CHECKPOINT_BYTES);
  const verdict = verifyCosignatureQuorum(note, policy);
  const status = verdict.ok ? 'VERIFIED' : 'FAILED';
  if (context.json) {
    writeJson(context.io, {
      verification_status: status,
      log_signature_valid: verdict.logSignatureValid,
      cosigned: verdict.cosigned,
      missing: verdict.missing,
      quorum: policy.quorum,
      failure_reason: verdict.reason ?? null,
    });
  } else {
    context.io.stdout.write(renderQuorum(verdict, policy.quorum, status));
  }
  return verdict.ok ? EXIT_CODES.ok : EXIT_CODES.notVerified;
}

function renderQuorum(verdict: QuorumVerification, quorum: number, status: string): string {
  const names = verdict.cosigned.length === 0 ? 'none' : verdict.cosigned.join(', ');
  const lines = [
    `log_signature: ${verdict.logSignatureValid ? 'valid' : 'invalid'}`,
    `cosignatures: ${verdict.cosigned.length}/${quorum} (${names})`,
    `verification_status: ${status}`,
  ];
  if (verdict.reason !== undefined) lines.push(`failure_reason: ${verdict.reason}`);
  return `${lines.join('\n')}\n`;
}
