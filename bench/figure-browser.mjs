// Figures of issue 15, in real headless Chromium (Debian's, as the console's tests use it):
// `browser_verify_1k` and `browser_verify_100k`, a proof bundle checked in the page — JSON.parse
// plus @aos/proof's verifyProofBundle on its browser platform (@noble), exactly what the
// console and /console/verify run after reading a file — next to the same work in Node
// (node:crypto); `verifier_bundle_gzip`, the gzip size of the verify page's JS, and
// `verify_page_gzip`, of the whole self-contained page (packages/server/dist/console/verify.html).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { figure, loadProof, median, progress, REPO_DIR } from './bench-kit.mjs';
import { ensureBundle, readBundleWhole } from './proof-bundle-file.mjs';

const requireFromTestkit = createRequire(join(REPO_DIR, 'tools/testkit/package.json'));
const requireFromProof = createRequire(join(REPO_DIR, 'packages/proof/package.json'));
const VERIFY_PAGE = join(REPO_DIR, 'packages/server/dist/console/verify.html');
const CHROMIUM = process.env.AOS_CHROMIUM ?? '/usr/bin/chromium';
const REPEATS = 3;

/** The built @aos/proof as a browser bundle (browser conditions: #platform is the @noble one). */
async function verifierScript() {
  const esbuild = requireFromProof('esbuild');
  const result = await esbuild.build({
    stdin: {
      contents: `import { verifyProofBundle } from '@aos/proof';
globalThis.benchVerify = (text, keys) => {
  const t0 = performance.now();
  const result = verifyProofBundle(JSON.parse(text), { trustedKeys: keys });
  return { ms: performance.now() - t0, status: result.verification_status, reason: result.failure_reason ?? null };
};`,
      resolveDir: join(REPO_DIR, 'packages/server'),
    },
    bundle: true,
    platform: 'browser',
    format: 'iife',
    minify: true,
    write: false,
  });
  return result.outputFiles[0].text;
}

async function inNode(text, keys) {
  const proof = await loadProof();
  const times = [];
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    const result = proof.verifyProofBundle(JSON.parse(text), { trustedKeys: keys });
    times.push(performance.now() - t0);
    if (result.verification_status !== 'VERIFIED') throw new Error(`node: ${result.failure_reason}`);
  }
  return median(times);
}

export async function measureBrowser({ quick }) {
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set AOS_CHROMIUM)`);
  if (!existsSync(VERIFY_PAGE)) throw new Error(`${VERIFY_PAGE} is missing: run pnpm build`);
  const sizes = [
    { name: 'browser_verify_1k', steps: 1_000, goalMs: 200 },
    { name: 'browser_verify_100k', steps: quick ? 20_000 : 100_000, goalMs: null },
  ];
  const script = await verifierScript();
  const { chromium } = requireFromTestkit('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const figures = [];
  try {
    for (const size of sizes) {
      const bundle = await ensureBundle(size.steps);
      const { bundle: parsed } = readBundleWhole(bundle.file);
      const text = JSON.stringify(parsed);
      const keys = [bundle.verifierKey];
      progress(`browser: verifying ${size.steps} steps in Chromium (${(text.length / 1e6).toFixed(1)} MB)...`);
      const page = await browser.newPage();
      await page.addScriptTag({ content: script });
      const times = [];
      for (let i = 0; i < REPEATS; i++) {
        const run = await page.evaluate(([t, k]) => globalThis.benchVerify(t, k), [text, keys]);
        if (run.status !== 'VERIFIED') throw new Error(`browser: ${size.steps} steps: ${run.reason}`);
        times.push(run.ms);
      }
      await page.close();
      const ms = median(times);
      const nodeMs = await inNode(text, keys);
      figures.push(
        figure({
          name: size.name,
          value: ms,
          unit: 'ms',
          reference: {
            name: 'node: the same JSON.parse + verifyProofBundle on node:crypto',
            value: nodeMs,
            unit: 'ms',
          },
          ratio: ms / nodeMs,
          goal: size.goalMs === null ? null : `<= ${size.goalMs} ms`,
          met: size.goalMs === null ? null : ms <= size.goalMs,
          notes: `${size.steps} steps, ${(text.length / 1e6).toFixed(2)} MB of JSON; median of ${REPEATS} in headless Chromium`,
          extra: { steps: size.steps, runs_ms: times },
        }),
      );
    }
  } finally {
    await browser.close();
  }
  const html = readFileSync(VERIFY_PAGE, 'utf8');
  const scripts = [...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('');
  if (scripts === '') throw new Error(`${VERIFY_PAGE} has no inline script`);
  const gzipKb = (text) => gzipSync(Buffer.from(text, 'utf8'), { level: 9 }).length / 1024;
  figures.push(
    figure({
      name: 'verifier_bundle_gzip',
      value: gzipKb(scripts),
      unit: 'KB',
      reference: { name: 'verifier script uncompressed', value: Buffer.byteLength(scripts) / 1024, unit: 'KB' },
      ratio: null,
      goal: '<= 40 KB gzip',
      met: gzipKb(scripts) <= 40,
      notes: 'the JS of /console/verify: @aos/proof (browser platform, zod/mini) and the page, minified, gzip -9',
    }),
    figure({
      name: 'verify_page_gzip',
      value: gzipKb(html),
      unit: 'KB',
      reference: { name: 'verify.html uncompressed', value: Buffer.byteLength(html) / 1024, unit: 'KB' },
      ratio: null,
      notes: 'the whole self-contained verify page (script, CSS, markup), gzip -9',
    }),
  );
  return { figures };
}
