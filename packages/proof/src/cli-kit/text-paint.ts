import type { CliIo, TextSink } from './cli-io';

const STYLES = { red: [31, 39], green: [32, 39], yellow: [33, 39], dim: [2, 22], bold: [1, 22] } as const;

/**
 * A style {@link paint} knows.
 *
 * @example
 * ```ts
 * const style: PaintStyle = status === 'FAILED' ? 'red' : 'green';
 * ```
 */
export type PaintStyle = keyof typeof STYLES;

/**
 * Whether output to `sink` is painted: `FORCE_COLOR` decides when it is set (`0` or `false`: never;
 * anything else, empty included: always, pipes too), as for Node itself; otherwise only a
 * terminal is, and not when `NO_COLOR` is set (non-empty) or `TERM=dumb`.
 *
 * @example
 * ```ts
 * colourEnabled({ env: { FORCE_COLOR: '1' } }, process.stdout); // true, even in a pipe
 * ```
 */
export function colourEnabled(io: Pick<CliIo, 'env'>, sink: TextSink): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return sink.isTTY === true && io.env.TERM !== 'dumb';
}

/**
 * `text` in `style` when {@link colourEnabled} says `sink` is painted, and as it is otherwise.
 *
 * @example
 * ```ts
 * io.stderr.write(`${paint(io, io.stderr, 'red', 'error:')} ${message}\n`);
 * ```
 */
export function paint(io: Pick<CliIo, 'env'>, sink: TextSink, style: PaintStyle, text: string): string {
  if (!colourEnabled(io, sink)) return text;
  const [open, close] = STYLES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}
