import { spawn, type ChildProcess } from 'node:child_process';

/** A spawned child with its collected output. */
export interface RunningChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves when stderr contains `text`. */
  waitForStderr(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name) once the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node <args>` with `env` added to the current environment, collecting output. */
export function spawnNode(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; input?: string; keepStdinOpen?: boolean } = {},
): RunningChild {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { stream: 'out' | 'err'; text: string; resolve: () => void }[] = [];
  const text = (stream: 'out' | 'err'): string => (stream === 'out' ? out : err);
  const wake = (): void => {
    for (const w of waiters.filter((x) => text(x.stream).includes(x.text))) w.resolve();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    wake();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    wake();
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  else if (!options.keepStdinOpen) child.stdin?.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  const waitFor = (stream: 'out' | 'err', wanted: string, timeoutMs = 60_000): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (text(stream).includes(wanted)) return resolve();
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for "${wanted}"; stdout: ${out}; stderr: ${err}`)),
        timeoutMs,
      );
      waiters.push({
        stream,
        text: wanted,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      void exited.then(() => {
        if (!text(stream).includes(wanted)) {
          clearTimeout(timer);
          reject(new Error(`child exited before "${wanted}"; stdout: ${out}; stderr: ${err}`));
        }
      });
    });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: (wanted, timeoutMs) => waitFor('out', wanted, timeoutMs),
    waitForStderr: (wanted, timeoutMs) => waitFor('err', wanted, timeoutMs),
  };
}

/** Absolute path of a file in tools/testkit/fixtures. */
export function fixturePath(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname;
}
