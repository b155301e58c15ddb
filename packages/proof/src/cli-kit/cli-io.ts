/**
 * A text sink: `process.stdout`, `process.stderr`, or a buffer in tests.
 *
 * @example
 * ```ts
 * let text = '';
 * const sink: TextSink = { write: (chunk: string) => (text += chunk) };
 * ```
 */
export interface TextSink {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/**
 * What a command line reads and writes. Every bin's `main(argv, io)` takes one, so tests run
 * commands in-process with buffers and their own environment. `stdin` is absent where there is
 * none to read; it is a stream, so it is also an `AsyncIterable` of chunks.
 *
 * @example
 * ```ts
 * const io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: {} };
 * ```
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
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), processIo());
 * ```
 */
export function processIo(): CliIo {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    throw error;
  });
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, stdin: process.stdin };
}

/**
 * Writes exactly one JSON document (indented by 2, and a newline) to stdout: the one format of
 * every bin's `--json` output.
 *
 * @example
 * ```ts
 * writeJson(io, { version: '0.1.0' }); // {\n  "version": "0.1.0"\n}\n
 * ```
 */
export function writeJson(io: Pick<CliIo, 'stdout'>, document: unknown): void {
  io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
}
