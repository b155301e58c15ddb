import { z } from 'zod';
import { EXIT_CODES, getRun, InvalidInputError, type ExitCode } from '@aos/core';
import { exportProofBundleToFile, exportStepInclusionProof, getRunProof } from '@aos/proof/postgres';
import type { CommandContext, ParsedArgs } from '../context';
import type { ProofExportJson, ProofJson } from '../json-shapes';
import { parseOptions, tenantIdOption, uuidOption } from '../options';
import { printExportHint, printNothingExported, printProof, verifyCommand, writeProofArtifact } from '../render';
import { withRuntime } from '../runtime-session';

/** Options of `cus-cli proof`. */
export const ProofOptionsSchema = z
  .object({
    run_id: uuidOption,
    tenantId: tenantIdOption,
    export: z.string().min(1, 'name a file, or - for stdout').optional(),
    step: z
      .number({ error: 'must be a step index (0, 1, …)' })
      .int('must be a whole number')
      .nonnegative('must not be negative')
      .optional(),
  })
  .refine((o) => o.step === undefined || o.export !== undefined, {
    path: ['step'],
    message: 'needs --export <file|->: it chooses the step whose inclusion proof is exported',
  });

/**
 * `proof`: recomputes the run's hash chain, Merkle root and checkpoint signature from the
 * stored rows (@aos/proof's coordinator) against the deployment's key set (current and
 * retired verifier keys; no private key is loaded) and prints the verdict; exit 0 when
 * VERIFIED, 5 otherwise. `--export` also writes the bundle (or one step's inclusion proof)
 * for offline verification with `aos-proof`; a run with no sealed trace has nothing to
 * export, which is said on stderr (exit 5, as the proof is not VERIFIED).
 */
export async function execute(args: ParsedArgs, context: CommandContext): Promise<ExitCode> {
  const options = parseOptions(ProofOptionsSchema, args);
  if (context.json && options.export === '-') {
    throw new InvalidInputError('--export -: stdout holds the --json document; export to a file instead', {
      field: '--export',
    });
  }
  return withRuntime(context, async (runtime) => {
    const db = runtime.store.db;
    // The deployment's whole key set, read without touching the private key: a run sealed
    // before a key rotation verifies against its retired key.
    const keySet = await runtime.keySet();
    const verifierKeys = keySet.keys.map((k) => k.verifierKey);
    const result = await getRunProof(db, options.tenantId, options.run_id, { trustedKeys: keySet.keys });
    // The coordinator answers "no trace" alike for a missing run, another tenant's run and a
    // run that failed before its trace began; only the first two are "not found" (exit 3).
    if (result.aos_traces.length === 0) await getRun(db, options.tenantId, options.run_id);
    const stepCount = result.aos_trace_steps.length;
    const exportable = options.export !== undefined && result.integrity.verification_status !== 'UNSUPPORTED';
    if (exportable && options.step !== undefined && options.step >= stepCount) {
      throw new InvalidInputError(
        `--step: run ${options.run_id} has ${stepCount} step${stepCount === 1 ? '' : 's'} (indexes 0..${stepCount - 1})`,
        {
          field: '--step',
        },
      );
    }
    let exported: ProofExportJson | null = null;
    if (exportable && options.export !== undefined) {
      let format: ProofExportJson['format'];
      if (options.step === undefined) {
        // Streamed a batch of steps at a time: a long run's bundle never exists as one string.
        const target = options.export === '-' ? context.io.stdout : options.export;
        ({ format } = await exportProofBundleToFile(db, options.tenantId, options.run_id, target));
      } else {
        const artifact = await exportStepInclusionProof(db, options.tenantId, options.run_id, options.step);
        writeProofArtifact(context, options.export, artifact);
        format = artifact.format;
      }
      exported = {
        path: options.export,
        format,
        step_index: options.step ?? null,
        verifier_key: keySet.current?.verifierKey ?? null,
        verifier_keys: verifierKeys,
        verify_command: verifyCommand(options.export, verifierKeys, options.step !== undefined),
      };
    }
    const document: ProofJson = {
      run_id: result.run_id,
      integrity: result.integrity,
      trace_count: result.aos_traces.length,
      step_count: stepCount,
      aos_traces: result.aos_traces,
      aos_trace_steps: result.aos_trace_steps,
      verified_at: result.verified_at,
      export: exported,
    };
    printProof(context, document, { toStderr: options.export === '-' });
    if (exported) printExportHint(context, exported);
    else if (options.export !== undefined) printNothingExported(context, result.integrity.failure_reason);
    return result.integrity.verification_status === 'VERIFIED' ? EXIT_CODES.ok : EXIT_CODES.proofFailed;
  });
}
