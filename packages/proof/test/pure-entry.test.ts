import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*'([^']+)'|\bimport\(\s*'([^']+)'\s*\)/g;

/** Every source file the main entry reaches through relative imports, with what each imports. */
function reachableImports(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    const specifiers = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? '');
    seen.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier.replace(/(\.js)?$/, '.ts')));
    }
  };
  visit(entry);
  return seen;
}

describe('@aos/proof main entry', () => {
  it('reaches no file-system module: key files live behind @aos/proof/node', () => {
    const files = reachableImports(resolve(SRC, 'index.ts'));
    expect(files.size).toBeGreaterThan(10);
    const offending = [...files].flatMap(([file, specifiers]) =>
      specifiers
        .filter((s) => /^(node:)?(fs|os|path)(\/|$)/.test(s))
        .map((s) => `${file.slice(SRC.length)} imports ${s}`),
    );
    expect(offending).toEqual([]);
  });

  it('reaches neither the command-line kit nor yargs: @aos/proof/cli-kit is for the bins', () => {
    const files = reachableImports(resolve(SRC, 'index.ts'));
    const offending = [...files].flatMap(([file, specifiers]) => [
      ...(/^cli(-kit)?\//.test(file.slice(SRC.length)) ? [file.slice(SRC.length)] : []),
      ...specifiers.filter((s) => s === 'yargs').map((s) => `${file.slice(SRC.length)} imports ${s}`),
    ]);
    expect(offending).toEqual([]);
  });

  it('does not export the key-file functions', async () => {
    const main = await import('@aos/proof');
    expect(Object.keys(main)).not.toContain('loadSigningKey');
    const node = await import('@aos/proof/node');
    expect(typeof node.loadSigningKey).toBe('function');
  });
});
