// Command-line plumbing shared by both CLIs, with no database driver behind it: safe to import
// eagerly, so `--help` stays fast. It is @aos/proof/cli-kit's, re-exported while the CLIs move to
// the kit (packages/proof/README.md).
import { EXIT_CODES as KIT_EXIT_CODES } from '@aos/proof/cli-kit';

export * from './errors';
export {
  errorCodeOf,
  exitCodeForError,
  paint,
  processIo,
  reportError,
  writeJson,
  type CliIo,
  type ExitCode,
  type TextSink,
} from '@aos/proof/cli-kit';

/**
 * The kit's exit-code table ({@link KIT_EXIT_CODES}). `proofFailed` is the former name of
 * `notVerified`, kept only until cus-cli's `proof` command, being rewritten, moves to it.
 *
 * @example
 * ```ts
 * return verified ? EXIT_CODES.ok : EXIT_CODES.notVerified;
 * ```
 */
export const EXIT_CODES = { ...KIT_EXIT_CODES, proofFailed: KIT_EXIT_CODES.notVerified } as const;
