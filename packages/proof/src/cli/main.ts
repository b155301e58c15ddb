import packageJson from '../../package.json' with { type: 'json' };
import { isProofError, type ProofErrorCode } from '../errors';
import { parseCommandLine } from './cli-args';
import type { CliIo } from './cli-io';
import { renderJson, renderJsonError, renderVerification } from './cli-render';
import { runVerify } from './verify-command';
import { runVerifyStep } from './verify-step-command';

export type { CliIo } from './cli-io';

/** Exit codes of SPEC §10 that `aos-proof` uses. */
export const EXIT_CODES = { ok: 0, operational: 1, usage: 2, notVerified: 5 } as const;

const USAGE_CODES: readonly ProofErrorCode[] = ['PROOF_USAGE', 'PROOF_BAD_KEY', 'PROOF_BAD_INPUT'];

/**
 * Runs `aos-proof` with `argv` (without the node and script paths) and returns the exit code:
 * 0 VERIFIED, 5 not verified, 2 usage or bad input, 1 operational error. The only place that
 * turns errors into exit codes; it never calls `process.exit`.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), process);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCommandLine(argv, packageJson.version);
  if (parsed.kind === 'print') {
    io.stdout.write(`${parsed.text}\n`);
    return EXIT_CODES.ok;
  }
  if (parsed.kind === 'usage-error') {
    const message = `${parsed.message} (see aos-proof --help)`;
    return report('PROOF_USAGE', message, EXIT_CODES.usage, parsed.json, io);
  }
  const { args } = parsed;
  try {
    const result = args.command === 'verify' ? await runVerify(args, io) : await runVerifyStep(args, io);
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

function report(code: string, message: string, exitCode: number, json: boolean, io: CliIo): number {
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  if (json) io.stdout.write(renderJsonError(code, oneLine));
  else io.stderr.write(`aos-proof: ${oneLine}\n`);
  return exitCode;
}
