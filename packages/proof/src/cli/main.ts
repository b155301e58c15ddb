import { runCommandLine, type CliIo, type ExitCode } from '../cli-kit/index';
import { AOS_PROOF } from './cli-args';

/**
 * Runs `aos-proof` with `argv` (without the node and script paths) and returns the exit code:
 * 0 VERIFIED, 5 not verified, 2 usage or bad input (including a document that is not a proof
 * bundle or step proof), 1 operational error. The kit's driver holds the only catch that turns
 * errors into exit codes; it never calls `process.exit`.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo());
 * ```
 */
export function main(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  return runCommandLine(AOS_PROOF, argv, io);
}
