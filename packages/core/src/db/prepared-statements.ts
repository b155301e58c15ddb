import type pg from 'pg';

/** Statement texts that get a server-side prepared statement; beyond this, texts run unnamed. */
const MAX_NAMED_STATEMENTS = 256;

/**
 * Wraps a pg pool so that parameterised statements are sent as named prepared statements:
 * Postgres then parses and plans each distinct text once per connection instead of on every
 * execution (the runner sends the same few statements for every step). Names are assigned per
 * distinct text and capped, so dynamic SQL cannot grow the server's statement cache unbounded.
 */
export function withPreparedStatements(pool: pg.Pool): pg.Pool {
  const names = new Map<string, string>();
  const nameFor = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
      name = `aos_${names.size}`;
      names.set(text, name);
    }
    return name;
  };
  // One wrapper per client, so a pooled connection keeps its identity across checkouts (kysely
  // and the store's session switching remember per connection what they set up on it).
  const wrapped = new WeakMap<pg.PoolClient, pg.PoolClient>();
  const wrapClient = (client: pg.PoolClient): pg.PoolClient => {
    let proxy = wrapped.get(client);
    if (proxy === undefined) {
      proxy = proxyClient(client);
      wrapped.set(client, proxy);
    }
    return proxy;
  };
  const proxyClient = (client: pg.PoolClient): pg.PoolClient =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (property !== 'query') return Reflect.get(target, property, receiver) as unknown;
        return (config: unknown, values?: unknown[]) => {
          if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
            const name = nameFor(config);
            if (name !== undefined) return target.query({ name, text: config, values });
          }
          return (target.query as (...args: unknown[]) => unknown).call(target, config, values);
        };
      },
    });
  return new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'connect') return Reflect.get(target, property, receiver) as unknown;
      return async () => wrapClient(await target.connect());
    },
  });
}
