import stringWidth from 'string-width';
import { escapeControls } from './text-escape';

/**
 * Rows laid out in left-aligned columns two spaces apart, one string per row (the last column
 * is not padded, no line ends in spaces). Columns are measured in terminal cells: a CJK
 * character or an emoji takes two, a colour code ({@link paint}) none. Cells are printed as they
 * are: escape data first ({@link escapeControls}).
 *
 * @example
 * ```ts
 * textTable([['NAME', 'STATUS'], ['漢字', 'ok']]); // ['NAME  STATUS', '漢字  ok']
 * ```
 */
export function textTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, stringWidth(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - stringWidth(cell))))
      .join('  ')
      .trimEnd(),
  );
}

/** What {@link skillTable} shows of a skill. */
export interface SkillRow {
  readonly name: string;
  readonly version: string;
  readonly description: string;
}

/**
 * `list-skills` of every CLI: a `NAME VERSION DESCRIPTION` table, one line per skill, each line
 * ending in a newline.
 *
 * @example
 * ```ts
 * io.stdout.write(skillTable(SKILL_LISTINGS));
 * ```
 */
export function skillTable(skills: readonly SkillRow[]): string {
  const rows = skills.map((s) => [s.name, s.version, s.description].map(escapeControls));
  return textTable([['NAME', 'VERSION', 'DESCRIPTION'], ...rows])
    .map((line) => `${line}\n`)
    .join('');
}
