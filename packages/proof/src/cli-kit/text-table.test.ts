import { describe, expect, it } from 'vitest';
import { skillTable, textTable } from './text-table';

describe('textTable', () => {
  it('aligns columns by display width: CJK and emoji take two cells, colour codes none', () => {
    const lines = textTable([
      ['NAME', 'STATUS', 'GOAL'],
      ['漢字エージェント', '\u001b[32mok\u001b[39m', 'a'],
      ['🎉party', 'failed', 'b'],
      ['plain', 'ok', 'c'],
    ]);
    expect(lines).toEqual([
      'NAME              STATUS  GOAL',
      '漢字エージェント  \u001b[32mok\u001b[39m      a',
      '🎉party           failed  b',
      'plain             ok      c',
    ]);
  });
});

describe('skillTable', () => {
  it('is a NAME VERSION DESCRIPTION table with the data escaped', () => {
    expect(
      skillTable([
        { name: 'http_fetch', version: '1.0.0', description: 'Fetch \u001b[2Ja URL' },
        { name: 'x', version: '10.2.0', description: '変換' },
      ]),
    ).toBe(
      'NAME        VERSION  DESCRIPTION\n' +
        'http_fetch  1.0.0    Fetch \\x1b[2Ja URL\n' +
        'x           10.2.0   変換\n',
    );
  });
});
