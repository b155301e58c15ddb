import { z } from 'zod';
import { InvalidInputError } from '@aos/core/client';
import { EXIT_CODES, type ExitCode } from '@aos/proof/cli-kit';
import { wholeNumberOption } from '@aos/proof/cli-kit/schemas';
import type { CommandContext, ParsedArgs } from '../context';
import type { ProofExportJson } from '../json-shapes';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import {
  printCheckpointSaved,
  printExportHint,
  printNothingExported,
  printProof,
  verifyCommand,
  writeProofArtifact,
} from '../render';
import { withAos } from '../aos-session';
import { checkpointStoreFor } from '../checkpoint-store';

/** Options of `cus-cli proof`. */
export const ProofOptionsSchema = z
  .object({
    run_id: uuidOption,
    tenantId: tenantIdOption.optional(),
    export: z.string().min(1, 'name a file, or - for stdout').optional(),
    step: wholeNumberOption(0, 1e9).optional(),
  })
  .refine((o) => o.step === undefined || o.export !== undefined, {
    path: ['step'],
    message: 'needs --export <file|->: it chooses the step whose inclusion proof is exported',
  });

/**
 * `proof`: the facade recomputes the run's hash chain, Merkle root and checkpoint signature from
 * the stored rows against the deployment's key set (current and retired verifier keys; no
 * private key is loaded) and this prints the verdict; exit 0 when VERIFIED, 5 otherwise.
 * `--export` also writes the bundle (or one step's inclusion proof) for offline verification
 * with `aos-proof`; a run with no sealed trace has nothing to export, which is said on stderr
 * (exit 5, as the proof is not VERIFIED).
 *
 * The tenant checkpoint saved by an earlier proof or `log verify` (SPEC §13) is passed along, so
 * the run's receipt must also show that the log extends it; a VERIFIED proof saves the receipt's
 * checkpoint in its place. `--export` asks for a bundle whose receipt proves consistency from the
 * saved size.
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(ProofOptionsSchema, args);
  if (context.json && options.export === '-') {
    throw new InvalidInputError('--export -: stdout holds the --json document; export to a file instead', {
      field: '--export',
    });
  }
  const checkpoints = checkpointStoreFor(context);
  return withAos(
    context,
    async (aos, tenantId) => {
      const ref = { tenantId, runId: options.run_id };
      const saved = await checkpoints.read(tenantId);
      const { trusted_keys: trustedKeys, ...report } = await aos.proofs.verify({
        ...ref,
        logCheckpoint: saved?.note,
      });
      const exportable = options.export !== undefined && report.integrity.verification_status !== 'UNSUPPORTED';
      if (exportable && options.step !== undefined && options.step >= report.step_count) {
        const count = report.step_count;
        throw new InvalidInputError(
          `--step: run ${options.run_id} has ${count} step${count === 1 ? '' : 's'} (indexes 0..${count - 1})`,
          { field: '--step' },
        );
      }
      let exported: ProofExportJson | null = null;
      if (exportable && options.export !== undefined) {
        let format: ProofExportJson['format'];
        if (options.step === undefined) {
          // Streamed a batch of steps at a time: a long run's bundle never exists as one string.
          const target = options.export === '-' ? context.io.stdout : options.export;
          ({ format } = await aos.proofs.exportBundle({ ...ref, target, sinceSize: saved?.treeSize }));
        } else {
          const artifact = await aos.proofs.stepProof({ ...ref, stepIndex: options.step });
          writeProofArtifact(context, options.export, artifact);
          format = artifact.format;
        }
        exported = {
          path: options.export,
          format,
          step_index: options.step ?? null,
          verifier_key: trustedKeys.current,
          verifier_keys: trustedKeys.keys,
          verify_command: verifyCommand(options.export, trustedKeys.keys, options.step !== undefined, saved?.path),
        };
      }
      const verified = report.integrity.verification_status === 'VERIFIED';
      const inclusion = report.integrity.log_inclusion;
      const kept = verified && inclusion !== null ? await checkpoints.save(tenantId, inclusion.checkpoint) : null;
      printProof(context, { ...report, export: exported }, { toStderr: options.export === '-' });
      if (exported) printExportHint(context, exported);
      else if (options.export !== undefined) printNothingExported(context, report.integrity.failure_reason);
      if (kept?.updated) printCheckpointSaved(context, kept);
      return verified ? EXIT_CODES.ok : EXIT_CODES.notVerified;
    },
    { given: options.tenantId, command: 'proof' },
  );
}
