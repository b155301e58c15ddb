import packageJson from '../../package.json' with { type: 'json' };
import type { BundleVerification } from '../bundle-verifier';
import { isProofError, ProofError, type ProofErrorCode } from '../errors';
import type { StepProofVerification } from '../step-proof';
import { parseCommandLine } from './cli-args';
import type { CliIo } from './cli-io';
import { renderJson, renderJsonError, renderVerification } from './cli-render';
import { runVerify } from './verify-command';
import { runVerifyStep } from './verify-step-command';

export type { CliIo } from './cli-io';

/**
 * The exit codes of docs/cus-cli.md, one table for every bin. `aos-proof` uses 0, 1, 2 and 5: it
 * reads no run (3, 4) and needs no API key (6).
 */
export const EXIT_CODES = {
  ok: 0,
  operational: 1,
  usage: 2,
  notFound: 3,
  runNotSucceeded: 4,
  notVerified: 5,
  notAuthorised: 6,
} as const;

const USAGE_CODES: readonly ProofErrorCode[] = ['PROOF_USAGE', 'PROOF_BAD_KEY', 'PROOF_BAD_INPUT', 'PROOF_BAD_BUNDLE'];

// The verifiers report a document of the wrong shape as a FAILED verdict whose reason starts
// with what they were reading; the command line calls that bad input, as its help says.
const SHAPE_FAILURE_PREFIXES = ['bundle: ', 'step proof: '] as const;

/**
 * Runs `aos-proof` with `argv` (without the node and script paths) and returns the exit code:
 * 0 VERIFIED, 5 not verified, 2 usage or bad input (including a document that is not a proof
 * bundle or step proof), 1 operational error. The only place that turns errors into exit
 * codes; it never calls `process.exit`.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), process);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, packageJson.version);
  if (parsed.kind === 'print') {
    const json = argv.includes('--json');
    io.stdout.write(json ? renderJson({ [parsed.what]: parsed.text }) : `${parsed.text}\n`);
    return EXIT_CODES.ok;
  }
  if (parsed.kind === 'usage-error') {
    const message = `${parsed.message} (see aos-proof --help)`;
    return report('PROOF_USAGE', message, EXIT_CODES.usage, parsed.json, io);
  }
  const { args } = parsed;
  try {
    const result = args.command === 'verify' ? await runVerify(args, io) : await runVerifyStep(args, io);
    refuseShapeFailure(result);
    io.stdout.write(args.json ? renderJson(result) : renderVerification(result));
    return result.verification_status === 'VERIFIED' ? EXIT_CODES.ok : EXIT_CODES.notVerified;
  } catch (error) {
    if (isProofError(error)) {
      const exitCode = USAGE_CODES.includes(error.code) ? EXIT_CODES.usage : EXIT_CODES.operational;
      return report(error.code, error.message, exitCode, args.json, io);
    }
    const message = error instanceof Error ? error.message : String(error);
    return report('INTERNAL', message, EXIT_CODES.operational, args.json, io);
  }
}

/** Throws `PROOF_BAD_BUNDLE` for a verdict that the document is not of the documented shape. */
function refuseShapeFailure(result: BundleVerification | StepProofVerification): void {
  const reason = result.failure_reason;
  if (reason !== null && SHAPE_FAILURE_PREFIXES.some((prefix) => reason.startsWith(prefix))) {
    throw new ProofError('PROOF_BAD_BUNDLE', reason);
  }
}

function report(code: string, message: string, exitCode: number, json: boolean, io: CliIo): number {
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  if (json) io.stdout.write(renderJsonError(code, oneLine));
  else io.stderr.write(`error: ${oneLine}\n`);
  return exitCode;
}
