// Plain-text tables, kept apart from render.ts so text output loads no zod (list-skills start-up).

// Colour codes take no room on screen: columns are measured without them.
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[\\d+m`, 'g');
const visibleLength = (cell: string): number => cell.replace(ANSI_SGR, '').length;

/** Left-aligned columns; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd(),
  );
}
