#!/usr/bin/env node
// `pnpm check:exports`: fails when a public entry of @aos/core exports a name that no other
// package, tool or doc uses — internals stay internal (STYLE.md, "One facade, many faces"), in
// the spirit of kysely's export checks. The names come from the TypeScript checker (values and
// types, through every `export *`); a use is the name as a whole word in a file outside
// packages/core (tests, tools, bench and docs included), or in packages/core/README.md.
// `@aos/core/testing` is exempt: it is the internals, for the repository's own tests.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ts = createRequire(join(root, 'package.json'))('typescript');
const EXEMPT_ENTRIES = new Set(['./testing', './package.json']);
const SEARCHED = /\.(ts|tsx|mts|mjs|cjs|js|md)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git', 'coverage']);

/** The public entries of @aos/core and their source files. */
function publicEntries() {
  const pkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
  return Object.entries(pkg.exports)
    .filter(([subpath]) => !EXEMPT_ENTRIES.has(subpath))
    .map(([subpath, target]) => ({ subpath, file: join(root, 'packages/core', target['@aos/source']) }));
}

/** Every name an entry exports. */
function exportedNames(files) {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    target: ts.ScriptTarget.ES2022,
    customConditions: ['@aos/source'],
    resolveJsonModule: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  return files.map((file) => {
    const symbol = checker.getSymbolAtLocation(program.getSourceFile(file));
    return symbol ? checker.getExportsOfModule(symbol).map((s) => s.getName()) : [];
  });
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else if (SEARCHED.test(name)) yield path;
  }
}

function usageText() {
  const parts = [];
  for (const file of walk(root)) {
    const rel = relative(root, file);
    if (rel.startsWith('packages/core/') && rel !== 'packages/core/README.md') continue;
    if (rel.startsWith('tools/exports/')) continue;
    parts.push(readFileSync(file, 'utf8'));
  }
  return parts.join('\n');
}

const entries = publicEntries();
const names = exportedNames(entries.map((e) => e.file));
const text = usageText();
const words = new Set(text.match(/[A-Za-z_$][\w$]*/g));
let unused = 0;
let total = 0;
for (const [i, entry] of entries.entries()) {
  const list = names[i] ?? [];
  total += list.length;
  for (const name of list) {
    if (words.has(name)) continue;
    unused += 1;
    process.stderr.write(`@aos/core${entry.subpath.slice(1)}: exports ${name}, which no other package or doc uses\n`);
  }
}
if (unused > 0) {
  process.stderr.write(`${unused} unused export(s): stop exporting them, or use them where they belong.\n`);
  process.exit(1);
}
process.stdout.write(
  `@aos/core: ${total} exported names over ${entries.length} public entries, each used outside core\n`,
);
