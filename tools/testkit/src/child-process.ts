import { spawn, type ChildProcess } from 'node:child_process';

/** A spawned child with its collected output. */
export interface RunningChild {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text`. */
  waitForOutput(text: string, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (or signal name) once the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node <args>` with `env` added to the current environment, collecting output. */
export function spawnNode(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {}): RunningChild {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    for (const w of waiters.filter((x) => out.includes(x.text))) w.resolve();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  if (options.input !== undefined) child.stdin?.end(options.input);
  else child.stdin?.end();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForOutput: (text, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (out.includes(text)) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for "${text}"; stdout: ${out}; stderr: ${err}`)),
          timeoutMs,
        );
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        void exited.then(() => {
          if (!out.includes(text)) {
            clearTimeout(timer);
            reject(new Error(`child exited before "${text}"; stdout: ${out}; stderr: ${err}`));
          }
        });
      }),
  };
}

/** Absolute path of a file in tools/testkit/fixtures. */
export function fixturePath(name: string): string {
  return new URL(`../fixtures/${name}`, import.meta.url).pathname;
}
