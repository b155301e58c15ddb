import type { WhoAmIView } from '@aos/core/contract';

/** Who is signed in: the key (from sessionStorage) and what `/v1/whoami` said it speaks for. */
export interface Session {
  readonly apiKey: string;
  readonly who: WhoAmIView;
}

/** A page of the console, read from the location hash (`#/runs?status=failed`, `#/runs/<id>`, `#/keys`). */
export type Route =
  | { readonly page: 'runs'; readonly query: URLSearchParams }
  | { readonly page: 'run'; readonly id: string }
  | { readonly page: 'keys' };

export function parseRoute(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const run = /^\/runs\/([0-9a-f-]{36})$/.exec(path);
  if (run?.[1]) return { page: 'run', id: run[1] };
  if (path === '/keys') return { page: 'keys' };
  return { page: 'runs', query: new URLSearchParams(search) };
}

/** The hash of the runs list with these filters; `after` is the trail of cursors to the page. */
export function runsHash(options: { status?: string; limit?: number; after?: readonly string[] }): string {
  const query = new URLSearchParams();
  if (options.status) query.set('status', options.status);
  if (options.limit !== undefined && options.limit !== DEFAULT_PAGE_SIZE) query.set('limit', String(options.limit));
  // Cursors are base64url, which never holds `~`.
  if (options.after && options.after.length > 0) query.set('after', options.after.join('~'));
  const text = query.toString();
  return `#/runs${text ? `?${text}` : ''}`;
}

export const DEFAULT_PAGE_SIZE = 20;
export const PAGE_SIZES = [10, 20, 50, 100] as const;
