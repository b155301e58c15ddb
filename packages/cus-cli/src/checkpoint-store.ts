import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCheckpointBody } from '@aos/proof';
import { resolveAosHome, writeFileDurably } from '@aos/proof/node';
import { CliError, EXIT_CODES } from '@aos/proof/cli-kit';
import { resolveFace, type Face } from './aos-session';
import type { CommandContext } from './context';
import { configDir } from './profiles';

// Customers are witnesses (SPEC §13): per profile and tenant, the newest tenant checkpoint this
// CLI has verified, under $XDG_CONFIG_HOME/aos/checkpoints/<scope>/<tenant>.checkpoint, where
// <scope> is `profiles/<name>` (remote, with a login profile), `remote/<hash of the API URL>`
// (remote, AOS_API_URL and AOS_API_KEY only) or `local/<hash of the database location>` (the
// database URL without its credentials, or the embedded AOS_HOME), so two deployments never
// share one. The file is the signed note exactly as verified: `log verify --since` and
// `aos-proof` read it as it is.

/** A checkpoint this CLI saved: the signed note and its size (its second line). */
export interface SavedCheckpoint {
  readonly path: string;
  readonly treeSize: number;
  readonly note: string;
}

/** What saving a verified checkpoint did. */
export interface SaveOutcome {
  readonly path: string;
  readonly treeSize: number;
  /** False when the saved checkpoint was already this one, or a larger one. */
  readonly updated: boolean;
}

/** The saved checkpoints of one scope (a profile, a remote URL, or a local deployment). */
export interface CheckpointStore {
  /** The directory of this scope's files. */
  readonly dir: string;
  /** The file of a tenant's saved checkpoint (whether or not it exists). */
  pathOf(tenantId: string): string;
  /** The tenant's saved checkpoint; null when none was saved. A damaged file is an error, never "none". */
  read(tenantId: string): Promise<SavedCheckpoint | null>;
  /**
   * Saves `note` (a checkpoint that has just VERIFIED) as the tenant's, unless the saved one is
   * larger: a checkpoint is only ever replaced by one of equal or larger size.
   */
  save(tenantId: string, note: string): Promise<SaveOutcome>;
}

/**
 * The size of a signed checkpoint note, or throws an Error saying why `note` is not one. Only the
 * form is checked here; signature, origin and consistency are the verifier's.
 */
export function checkpointNoteSize(note: string): number {
  const split = note.indexOf('\n\n');
  if (split < 0) throw new Error('not a signed checkpoint note (its text, a blank line, then signature lines)');
  return parseCheckpointBody(note.slice(0, split + 1)).treeSize;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** A database URL without user and password: the same deployment whoever connects. */
function databaseLocation(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function scopeDir(env: NodeJS.ProcessEnv, face: Face): string {
  const root = join(configDir(env), 'checkpoints');
  if (face.mode === 'remote') {
    if (face.profile !== null) return join(root, 'profiles', face.profile);
    return join(root, 'remote', sha256(face.apiUrl.replace(/\/+$/, '')).slice(0, 32));
  }
  const url = face.databaseUrl ?? (env.DATABASE_URL || undefined);
  const location = url === undefined ? `embedded:${resolveAosHome(env)}` : `server:${databaseLocation(url)}`;
  return join(root, 'local', sha256(location).slice(0, 32));
}

// A tenant id is 1..200 printable characters: plain ones name the file as they are, any other
// by its hash (`~` never occurs in a plain name, so the two never collide).
const PLAIN_TENANT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/;
const fileName = (tenantId: string): string =>
  `${PLAIN_TENANT.test(tenantId) ? tenantId : `~${sha256(tenantId)}`}.checkpoint`;

/** Creates `path` and its parents with mode 0700. */
async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

/** The saved checkpoints of the deployment `face` talks to. */
export function checkpointStore(env: NodeJS.ProcessEnv, face: Face): CheckpointStore {
  const dir = scopeDir(env, face);
  const pathOf = (tenantId: string): string => join(dir, fileName(tenantId));
  const read = async (tenantId: string): Promise<SavedCheckpoint | null> => {
    const path = pathOf(tenantId);
    let note: string;
    try {
      note = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return null;
      throw new CliError(
        'CONFIG_INVALID',
        `cannot read the saved checkpoint ${path}: ${(error as Error).message}`,
        EXIT_CODES.operational,
      );
    }
    try {
      return { path, treeSize: checkpointNoteSize(note), note };
    } catch (error) {
      // Never read a damaged file as "nothing saved": that would accept a rewritten log.
      throw new CliError(
        'CONFIG_INVALID',
        `the saved checkpoint ${path} is damaged (${(error as Error).message}): restore it from a backup, or remove it to trust the log anew`,
        EXIT_CODES.usage,
      );
    }
  };
  return {
    dir,
    pathOf,
    read,
    async save(tenantId, note) {
      const treeSize = checkpointNoteSize(note);
      const saved = await read(tenantId);
      const path = pathOf(tenantId);
      if (saved !== null && (saved.treeSize > treeSize || saved.note === note)) {
        return { path, treeSize: saved.treeSize, updated: false };
      }
      await ensureDir(configDir(env));
      await ensureDir(dir);
      await writeFileDurably(path, note);
      return { path, treeSize, updated: true };
    },
  };
}

/** The saved checkpoints of the deployment this invocation talks to (its profile, URL or local database). */
export function checkpointStoreFor(context: CommandContext): CheckpointStore {
  return checkpointStore(context.io.env, resolveFace(context));
}
