import { readFile, stat } from 'node:fs/promises';
import { MAX_GOAL_BYTES } from '@aos/core/client';
import { UsageError, type CliIo } from '@aos/proof/cli-kit';

/** Where `run` takes its goal from: `--goal TEXT`, `--goal -` (stdin) or `--goal-file F` (`-`: stdin). */
export interface GoalSource {
  readonly goal?: string | undefined;
  readonly goalFile?: string | undefined;
}

/**
 * The goal text of `run`: exactly one of `--goal` and `--goal-file`. Read from a file or stdin,
 * the text must be UTF-8 and loses one trailing line end (`\n` or `\r\n`, as editors and `echo`
 * add). Only reading is checked here; the goal schema checks the text (blank, NUL, 64 KiB).
 */
export async function readGoal(source: GoalSource, io: CliIo): Promise<string> {
  const { goal, goalFile } = source;
  if ((goal === undefined) === (goalFile === undefined)) {
    throw new UsageError('give exactly one of --goal (-g) and --goal-file');
  }
  if (goal !== undefined && goal !== '-') return goal;
  const flag = goal === '-' ? '--goal -' : '--goal-file';
  const bytes = goal === '-' || goalFile === '-' ? await readStdin(io, flag) : await readGoalFile(goalFile as string);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${flag}: the goal is not UTF-8 text`);
  }
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

// Room for a goal at the limit and the line end that is trimmed; a longer goal is refused by the
// goal schema, with its size, and past this nothing more is read.
const READ_LIMIT = MAX_GOAL_BYTES + 2;

async function readGoalFile(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`--goal-file: "${path}" is not a file`);
    if (info.size > READ_LIMIT) {
      throw new UsageError(
        `--goal-file: "${path}" is ${info.size} bytes; a goal is at most ${MAX_GOAL_BYTES} bytes (64 KiB)`,
      );
    }
    return await readFile(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new UsageError(`--goal-file: cannot read "${path}": ${why}`);
  }
}

async function readStdin(io: CliIo, flag: string): Promise<Buffer> {
  const stdin = io.stdin;
  if (stdin === undefined || (stdin as { isTTY?: boolean }).isTTY === true) {
    throw new UsageError(`${flag}: pipe the goal into stdin (cus-cli run … ${flag} < goal.txt)`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += bytes.length;
    if (size > READ_LIMIT) {
      throw new UsageError(`${flag}: the goal is over ${MAX_GOAL_BYTES} bytes (64 KiB)`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}
