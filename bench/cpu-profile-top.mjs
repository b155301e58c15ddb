// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time.
//
//   node bench/cpu-profile-top.mjs <file.cpuprofile | directory> [--top N]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Top self-time functions of one profile: [{ fn, where, selfMs, percent }]. */
export function topSelfTime(profileFile, top = 12) {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map();
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const byFunction = new Map();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const where = frame.url ? `${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'} ${where}`;
    const entry = byFunction.get(key) ?? { fn: frame.functionName || '(anonymous)', where, selfMs: 0 };
    entry.selfMs += micros / 1000;
    byFunction.set(key, entry);
    total += micros / 1000;
  }
  return [...byFunction.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
    .map((entry) => ({
      ...entry,
      selfMs: Math.round(entry.selfMs),
      percent: Math.round((entry.selfMs / total) * 1000) / 10,
    }));
}

/** Which package a profile frame's URL belongs to, for {@link selfTimeByPackage}. */
function packageOf(url) {
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pnpm) return pnpm[1];
  const plain = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (plain) return plain[1];
  const own = /\/packages\/([^/]+)\//.exec(url);
  if (own) return `@aos/${own[1]}`;
  if (url.includes('/bench/')) return 'bench';
  return url;
}

/** Self time grouped by package (kysely, pg, @aos/core, node, native…): [{ fn, where, selfMs, percent }]. */
export function selfTimeByPackage(profileFile, top = 10) {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map();
  let total = 0;
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i])?.callFrame;
    if (!frame) continue;
    const name = frame.functionName;
    const key = ['(idle)', '(garbage collector)', '(program)'].includes(name) ? name : packageOf(frame.url);
    totals.set(key, (totals.get(key) ?? 0) + (deltas[i] ?? 0) / 1000);
    total += (deltas[i] ?? 0) / 1000;
  }
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, ms]) => ({ fn, where: '', selfMs: Math.round(ms), percent: Math.round((ms / total) * 1000) / 10 }));
}

/** Formats {@link topSelfTime} as aligned text lines. */
export function formatTop(rows) {
  return rows
    .map((r) => `${String(r.percent).padStart(5)}%  ${String(r.selfMs).padStart(7)} ms  ${r.fn}  ${r.where}`)
    .join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [target, flag, count] = process.argv.slice(2);
  const top = flag === '--top' ? Number(count) : 15;
  const files = statSync(target).isDirectory()
    ? readdirSync(target)
        .filter((f) => f.endsWith('.cpuprofile'))
        .map((f) => join(target, f))
    : [target];
  for (const file of files) {
    console.log(`== ${file}`);
    console.log(formatTop(topSelfTime(file, top)));
    console.log('-- by package');
    console.log(formatTop(selfTimeByPackage(file)));
  }
}
