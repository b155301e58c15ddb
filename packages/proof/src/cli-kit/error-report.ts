import { writeJson, type CliIo } from './cli-io';
import { errorCodeOf, exitCodeForError, type ExitCode } from './exit-codes';
import { paint } from './text-paint';

/**
 * Reports an error the way every bin does, and returns its exit code ({@link exitCodeForError}).
 * With `json`, one document `{"error":{"code","message"}}` on stdout and nothing on stderr;
 * otherwise one line `error: <message>` on stderr. Either way only the message's first line.
 *
 * @example
 * ```ts
 * } catch (error) {
 *   return reportError(io, error, json);
 * }
 * ```
 */
export function reportError(io: CliIo, error: unknown, json: boolean): ExitCode {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] || 'unknown error';
  const code = errorCodeOf(error);
  if (json) writeJson(io, { error: { code, message } });
  else io.stderr.write(`${paint(io, io.stderr, 'red', 'error:')} ${message}\n`);
  return exitCodeForError(error);
}
