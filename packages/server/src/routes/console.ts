import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AosApp, RouteDeps } from '../app';

// The web console (SPEC §15, docs/console.md): static files built into dist/console/ by the
// package's build. No key is needed to fetch them; the page signs in with an API key itself.

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly csp?: string;
}

const FILES = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'verify.html': 'text/html; charset=utf-8',
} as const;
type AssetName = keyof typeof FILES;

/**
 * dist/console/ of this package. The package root is the nearest folder with a package.json
 * above this module: src/routes/ when run from source (the tests), dist/ once bundled.
 */
function consoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

interface Manifest {
  readonly console_csp: string;
  readonly verify_csp: string;
}

/**
 * The built files, read on the first request that finds them all (and kept: they change only
 * with a new build, which comes with a restart); `null` while the console is not built.
 */
function assetLoader(dir: string): () => Map<AssetName, Asset> | null {
  let loaded: Map<AssetName, Asset> | null = null;
  return () => {
    if (loaded !== null) return loaded;
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
      const assets = new Map<AssetName, Asset>();
      for (const [name, type] of Object.entries(FILES) as [AssetName, string][]) {
        const body = readFileSync(join(dir, name));
        const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
        const csp =
          name === 'verify.html' ? manifest.verify_csp : name === 'index.html' ? manifest.console_csp : undefined;
        assets.set(name, { body, type, etag, csp });
      }
      loaded = assets;
      return loaded;
    } catch {
      return null;
    }
  };
}

/**
 * `/console`, `/console/` and its files, `/console/verify`: no key needed (the page asks for
 * one). `assetsDir` defaults to this package's dist/console/.
 */
export function consoleRoutes(app: AosApp, _deps: RouteDeps, assetsDir: string = consoleDir()): void {
  const load = assetLoader(assetsDir);

  const serve = (name: AssetName) => (request: FastifyRequest, reply: FastifyReply) => {
    const asset = load()?.get(name);
    if (asset === undefined) {
      return reply.code(503).send({
        error: {
          code: 'CONSOLE_NOT_BUILT',
          message: 'the web console is not built: run pnpm build, then restart aos-server',
        },
      });
    }
    void reply
      .header('content-type', asset.type)
      // Revalidated on every load (the ETag makes that a 304): a new build is never hidden by a cache.
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin')
      .header('cross-origin-resource-policy', 'same-origin');
    if (asset.csp !== undefined) void reply.header('content-security-policy', asset.csp);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(asset.body);
  };

  const hidden = { schema: { hide: true } };
  app.get('/console', hidden, (_request, reply) => reply.redirect('/console/', 301));
  app.get('/console/', hidden, serve('index.html'));
  app.get('/console/app.js', hidden, serve('app.js'));
  app.get('/console/app.css', hidden, serve('app.css'));
  app.get('/console/verify', hidden, serve('verify.html'));
}
