import { describe, expect, it } from 'vitest';
import { splitSqlStatements } from './sql-splitter';

describe('splitSqlStatements', () => {
  it('splits at top-level semicolons and drops comment-only chunks', () => {
    expect(splitSqlStatements('-- head\nCREATE TABLE a (x int);\n\nSELECT 1;\n-- tail\n')).toEqual([
      '-- head\nCREATE TABLE a (x int)',
      'SELECT 1',
    ]);
  });

  it('keeps semicolons inside dollar-quoted bodies, strings, identifiers and comments', () => {
    const script = [
      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE 'a;b'; RETURN NEW; END; $$;",
      "INSERT INTO t VALUES ('it''s; fine', \"odd;name\");",
      '/* block; comment */ SELECT $tag$ ; $tag$;',
      'SELECT 2 -- trailing; comment',
    ].join('\n');
    const parts = splitSqlStatements(script);
    expect(parts).toHaveLength(4);
    expect(parts[0]).toContain('RETURN NEW; END; $$');
    expect(parts[1]).toContain("'it''s; fine'");
    expect(parts[2]).toContain('$tag$ ; $tag$');
    expect(parts[3]).toBe('SELECT 2 -- trailing; comment');
  });
});
