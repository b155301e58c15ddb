import { InvalidInputError, MAX_SECRET_VALUE_BYTES } from '@aos/core/client';
import type { CliIo } from '@aos/proof/cli-kit';

/** A terminal stdin: raw mode turns echo off. */
interface TerminalInput extends NodeJS.ReadableStream {
  readonly isTTY: true;
  setRawMode(mode: boolean): unknown;
}

function isTerminal(stdin: NodeJS.ReadableStream): stdin is TerminalInput {
  const candidate = stdin as Partial<TerminalInput>;
  return candidate.isTTY === true && typeof candidate.setRawMode === 'function';
}

/**
 * The value for `secrets set`, from stdin — never from a flag, which `ps` and shell history
 * would show. Piped or redirected: everything up to EOF, without one trailing newline (`\n` or
 * `\r\n`, as `echo` adds). On a terminal: a prompt on stderr and one line read with echo off.
 * The value must be UTF-8 text of at most 64 KiB; no message ever contains it.
 */
export async function readSecretValue(
  io: CliIo,
  name: string,
  options: { prompt?: string; pipeHint?: string } = {},
): Promise<string> {
  const stdin = io.stdin;
  if (stdin === undefined) throw new InvalidInputError('value: no stdin to read it from', { field: 'value' });
  const value = isTerminal(stdin)
    ? await promptHidden(stdin, io, options.prompt ?? `Value of ${name} (input is not shown): `)
    : trimLineEnd(await readAll(stdin));
  if (value === '') {
    throw new InvalidInputError(
      `value: nothing was read from stdin (pipe it in: ${options.pipeHint ?? `printf %s "$VALUE" | cus-cli secrets set ${name} …`})`,
      { field: 'value' },
    );
  }
  return value;
}

function trimLineEnd(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  // Room for the value and the line end that is trimmed; past that, stop reading.
  const limit = MAX_SECRET_VALUE_BYTES + 2;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    size += bytes.length;
    if (size > limit) {
      throw new InvalidInputError(`value: must be at most ${MAX_SECRET_VALUE_BYTES} bytes`, { field: 'value' });
    }
    chunks.push(bytes);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new InvalidInputError('value: is not UTF-8 text', { field: 'value' });
  }
}

function promptHidden(stdin: TerminalInput, io: CliIo, prompt: string): Promise<string> {
  // Echo goes off before the prompt shows: nothing typed after it is ever displayed.
  stdin.setRawMode(true);
  io.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const character of typeof chunk === 'string' ? chunk : chunk.toString('utf8')) {
        if (character === '\r' || character === '\n' || character === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (character === '\u0003') {
          finish();
          reject(new InvalidInputError('value: cancelled', { field: 'value' }));
          return;
        }
        // Backspace and DEL remove the last character typed.
        if (character === '\u007f' || character === '\b') value = [...value].slice(0, -1).join('');
        else value += character;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
