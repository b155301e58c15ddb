// Builds the web console into dist/console/ (run by the server package's `build`, after tsup):
// - the console: index.html + app.js + app.css, served by aos-server under /console/;
// - verify.html: ONE self-contained file (script and styles inlined) that verifies a dropped
//   proof bundle with no network request, opened from aos-server or from file://.
// Both are minified browser bundles of @aos/proof's main entry resolved from source (the
// `@aos/source` condition, as the tests resolve it), with Preact for the views.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const source = (name) => fileURLToPath(new URL(name, import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/console/', import.meta.url));

/** The policy of the console's pages; the verify page's own is built below from its hashes. */
const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const common = {
  bundle: true,
  minify: true,
  platform: 'browser',
  target: ['es2022', 'chrome111', 'firefox113', 'safari16.4'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  conditions: ['@aos/source', 'browser'],
  legalComments: 'none',
  charset: 'utf8',
  write: false,
  logLevel: 'warning',
};

async function bundle(entry, format) {
  const result = await build({ ...common, entryPoints: [source(entry)], format, outdir: outDir });
  const pick = (ext) => result.outputFiles.find((file) => file.path.endsWith(ext))?.text ?? '';
  return { js: pick('.js'), css: pick('.css') };
}

const sha256 = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
const gzipKb = (text) => (gzipSync(Buffer.from(text, 'utf8'), { level: 9 }).length / 1024).toFixed(1);

// Text inlined into <script> or <style> must not close the element early.
function inlinable(text, tag) {
  if (new RegExp(`</${tag}`, 'i').test(text)) throw new Error(`the inlined ${tag} contains </${tag}`);
  return text;
}

const app = await bundle('app.tsx', 'esm');
const verify = await bundle('verify.tsx', 'iife');

const verifyScript = inlinable(verify.js.trim(), 'script');
const verifyStyle = inlinable(verify.css.trim(), 'style');
// The same policy travels in the file (a <meta> tag holds from file:// too) and in aos-server's
// header (which adds what a <meta> policy cannot: frame-ancestors).
const verifyMetaCsp =
  `default-src 'none'; script-src ${sha256(verifyScript)}; style-src ${sha256(verifyStyle)}; ` +
  "connect-src 'none'; img-src data:; base-uri 'none'; form-action 'none'";

// `{{name}}` in an attribute, or `/* {{name}} */` as the whole text of an element (so the
// templates stay valid HTML, CSS and JS for prettier), takes the value given.
const fill = (template, values) =>
  readFileSync(source(template), 'utf8').replace(
    /(>\s*\/\*\s*)?\{\{(\w+)\}\}(\s*\*\/\s*<)?/g,
    (_match, open, name, close) => {
      if (!(name in values)) throw new Error(`${template}: no value for {{${name}}}`);
      return `${open ? '>' : ''}${values[name]}${close ? '<' : ''}`;
    },
  );

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
writeFileSync(`${outDir}index.html`, fill('index.html', {}));
writeFileSync(`${outDir}app.js`, app.js);
writeFileSync(`${outDir}app.css`, app.css);
writeFileSync(
  `${outDir}verify.html`,
  fill('verify.html', { csp: verifyMetaCsp, style: verifyStyle, script: verifyScript }),
);
writeFileSync(
  `${outDir}manifest.json`,
  `${JSON.stringify({ console_csp: CONSOLE_CSP, verify_csp: `${verifyMetaCsp}; frame-ancestors 'none'` }, null, 2)}\n`,
);

process.stdout.write(
  `console: app.js ${gzipKb(app.js)} KB gzip (${(app.js.length / 1024).toFixed(1)} KB), ` +
    `verify.html script ${gzipKb(verifyScript)} KB gzip (${(verifyScript.length / 1024).toFixed(1)} KB)\n`,
);
