import { errorCodeOf, exitCodeForError, type ExitCode } from './exit-codes';

/** A text sink (process.stdout, process.stderr, or a buffer in tests). */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * What a command line reads and writes; `main(argv, io)` of both CLIs takes one, so tests
 * run commands in-process with buffers and their own environment.
 */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
  readonly env: NodeJS.ProcessEnv;
  readonly stdin?: NodeJS.ReadableStream | undefined;
}

/**
 * The CliIo of the current process. A reader that goes away early (`cus-cli list-skills | head`)
 * closes stdout: that ends the process quietly instead of crashing it with EPIPE.
 */
export function processIo(): CliIo {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin };
}

/** Writes exactly one JSON document (and a newline) to stdout. */
export function writeJson(io: CliIo, document: unknown): void {
  io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}

/**
 * Reports an error the way both CLIs do: with `--json`, one document
 * `{"error":{"code","message"}}` on stdout; otherwise one line `error: <message>` on stderr.
 * Returns the exit code for it.
 */
export function reportError(io: CliIo, error: unknown, json: boolean): ExitCode {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
  const code = errorCodeOf(error);
  if (json) writeJson(io, { error: { code, message } });
  else io.stderr.write(`${paint(io, io.stderr, 'red', 'error:')} ${message}\n`);
  return exitCodeForError(error);
}

const STYLES = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] } as const;

/** Colours `text` only when the sink is a terminal and NO_COLOR is unset. */
export function paint(io: CliIo, sink: TextSink, style: keyof typeof STYLES, text: string): string {
  if (!sink.isTTY || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') || io.env.TERM === 'dumb') return text;
  const [open, close] = STYLES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}
