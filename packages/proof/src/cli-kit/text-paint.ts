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
 * `text` in `style` when `sink` is a terminal, and as it is when it is not, when `NO_COLOR` is set
 * (non-empty) or when `TERM=dumb`.
 *
 * @example
 * ```ts
 * io.stderr.write(`${paint(io, io.stderr, 'red', 'error:')} ${message}\n`);
 * ```
 */
export function paint(io: Pick<CliIo, 'env'>, sink: TextSink, style: PaintStyle, text: string): string {
  if (!sink.isTTY || (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') || io.env.TERM === 'dumb') return text;
  const [open, close] = STYLES[style];
  return `\u001b[${open}m${text}\u001b[${close}m`;
}
