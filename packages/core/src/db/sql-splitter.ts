/**
 * Splits a SQL script into statements at top-level semicolons, respecting quotes,
 * dollar-quoted bodies and comments. The embedded driver runs one statement per query
 * (extended protocol), so migrations go through this before they run.
 */
export function splitSqlStatements(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  const n = script.length;
  while (i < n) {
    const ch = script[i];
    const next = script[i + 1];
    if (ch === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
    } else if (ch === "'" || ch === '"') {
      i = skipQuoted(script, i, ch);
    } else if (ch === '$') {
      const tag = /^\$[A-Za-z_]?[A-Za-z0-9_]*\$/.exec(script.slice(i, i + 64));
      if (tag) {
        const end = script.indexOf(tag[0], i + tag[0].length);
        i = end === -1 ? n : end + tag[0].length;
      } else {
        i += 1;
      }
    } else if (ch === ';') {
      pushStatement(statements, script.slice(start, i));
      start = i + 1;
      i += 1;
    } else {
      i += 1;
    }
  }
  pushStatement(statements, script.slice(start));
  return statements;
}

function skipQuoted(script: string, from: number, quote: string): number {
  let i = from + 1;
  while (i < script.length) {
    if (script[i] === quote) {
      if (script[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i += 1;
  }
  return script.length;
}

function pushStatement(statements: string[], text: string): void {
  const withoutComments = text.replace(/--[^\n]*/g, '').trim();
  if (withoutComments !== '') statements.push(text.trim());
}
