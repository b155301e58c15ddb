import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { spawnNode } from './child-process';

/** What a recorded child did: its exit, output, and every module URL it resolved, in order. */
export interface RecordedRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly modules: readonly string[];
}

// A module.register resolve hook that appends every resolved URL to a file: what the process
// really loads, import by import, with no change to the code under test.
const HOOK = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.AOS_RECORD_MODULES_TO, resolved.url + '\\n');
  return resolved;
}
`;

/**
 * Spawns `node <args>` with a resolve hook recording every module it loads (static and dynamic
 * imports alike), and returns them with the exit code and output.
 *
 * @example
 * ```ts
 * const { modules } = await recordLoadedModules(['-e', 'await import("@aos/core/client")'])
 * expect(modules.filter((m) => /node_modules\/pg\//.test(m))).toEqual([])
 * ```
 */
export async function recordLoadedModules(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; input?: string } = {},
): Promise<RecordedRun> {
  const dir = mkdtempSync(join(tmpdir(), 'aos-modules-'));
  try {
    const hook = join(dir, 'hook.mjs');
    const register = join(dir, 'register.mjs');
    const record = join(dir, 'modules.txt');
    writeFileSync(hook, HOOK);
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
    );
    writeFileSync(record, '');
    const child = spawnNode(['--import', pathToFileURL(register).href, ...args], {
      ...options,
      env: { ...options.env, AOS_RECORD_MODULES_TO: record },
    });
    const { code } = await child.exited;
    const modules = readFileSync(record, 'utf8').split('\n').filter(Boolean);
    return { code, stdout: child.stdout(), stderr: child.stderr(), modules };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The database packages a remote client must never load: drivers and the query builder. */
export const DATABASE_MODULES =
  /\/node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?(pg|pg-[a-z-]+|kysely|@electric-sql\/pglite)\//;
