import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../', import.meta.url));
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

  // What a web page's bundler does with `import … from '@aos/proof'`: the browser conditions,
  // no Node built-ins. From source and from the built package (what the console bundles).
  it.each([
    ['the source', ['@aos/source']],
    ['the built package', []],
  ])('bundles for a browser from %s: no node: module, #platform is the @noble one', async (_what, conditions) => {
    const result = await build({
      stdin: { contents: "export * from '@aos/proof';", resolveDir: PACKAGE },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      conditions,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => /platform\/browser\.(ts|js)$/.test(input))).toBe(true);
    expect(inputs.filter((input) => /platform\/node\.(ts|js)$/.test(input) || input.startsWith('node:'))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
    expect(imports).toEqual([]);
  });

  it('does not export the key-file functions', async () => {
    const main = await import('@aos/proof');
    expect(Object.keys(main)).not.toContain('loadSigningKey');
    const node = await import('@aos/proof/node');
    expect(typeof node.loadSigningKey).toBe('function');
  });
});
