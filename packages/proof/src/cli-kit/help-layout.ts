import type { CliIo } from './cli-io';
import { EXIT_CODES } from './exit-codes';

/**
 * The width `--help` is laid out to: a terminal's width up to 120 columns, and no wrapping at all
 * (`null`) for a pipe or a file, whose reader greps lines rather than reads a screen.
 *
 * @example
 * ```ts
 * yargs().wrap(helpWidth(io));
 * ```
 */
export function helpWidth(io: Pick<CliIo, 'stdout'>): number | null {
  const columns = (io.stdout as { columns?: number }).columns;
  return io.stdout.isTTY && columns ? Math.min(120, columns) : null;
}

/**
 * The exit-code line of a bin's `--help` epilogue, with the numbers taken from
 * {@link EXIT_CODES} and what each means for that bin; codes without a meaning are left out.
 *
 * @example
 * ```ts
 * exitCodeLegend({ ok: 'verified', operational: 'operational error', notVerified: 'not verified' });
 * // 'Exit codes: 0 verified, 1 operational error, 5 not verified.'
 * ```
 */
export function exitCodeLegend(
  meanings: Readonly<Partial<Record<keyof typeof EXIT_CODES, string>>>,
  separator = ', ',
): string {
  const names = Object.keys(EXIT_CODES) as (keyof typeof EXIT_CODES)[];
  const entries = names.flatMap((name) => {
    const meaning = meanings[name];
    return meaning === undefined ? [] : [`${EXIT_CODES[name]} ${meaning}`];
  });
  return `Exit codes: ${entries.join(separator)}.`;
}
