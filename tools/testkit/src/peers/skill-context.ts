import { randomUUID } from 'node:crypto';
import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import type { Database, SkillContext, SkillEnv } from '@aos/core/testing';

// Skills that never touch the store still need a `db`; this one refuses every query, so a
// test can never pass by quietly talking to nothing.
class NoStoreDriver implements Driver {
  async init(): Promise<void> {}
  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.reject(new Error('this SkillContext has no AOS store: pass `db` to createSkillContext'));
  }
  async beginTransaction(): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** Options of {@link createSkillContext}. */
export interface SkillContextOptions {
  readonly env?: SkillEnv;
  /** The AOS store; default: none (any query fails loudly). */
  readonly db?: Kysely<Database>;
  readonly tenantId?: string;
  readonly runId?: string;
  readonly agentId?: string;
  readonly attempt?: number;
  /** Per-attempt timeout; the context's signal aborts after it (default 10 s). */
  readonly timeoutMs?: number;
  /** Use this signal instead of `AbortSignal.timeout(timeoutMs)`. */
  readonly signal?: AbortSignal;
  /** Cents reserved for the attempt, as the runner passes them; default: none. */
  readonly reservedCents?: number;
}

/**
 * A real SkillContext for calling `skill.execute` in tests: the signal is
 * `AbortSignal.timeout(timeoutMs)` as the runner's is, ids are fresh UUIDs unless given.
 *
 * @example
 * ```ts
 * const ctx = createSkillContext({ env: { AOS_HTTP_ALLOW_HOSTS: peer.hostPort }, timeoutMs: 2000 })
 * await httpCallSkill.execute(httpCallSkill.inputSchema.parse({ url: `${peer.url}/x` }), ctx)
 * ```
 */
export function createSkillContext(options: SkillContextOptions = {}): SkillContext {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    tenantId: options.tenantId ?? 'tenant-test',
    runId: options.runId ?? randomUUID(),
    agentId: options.agentId ?? randomUUID(),
    attempt: options.attempt ?? 1,
    db:
      options.db ??
      new Kysely<Database>({
        dialect: {
          createAdapter: () => new PostgresAdapter(),
          createDriver: () => new NoStoreDriver(),
          createIntrospector: (db) => new PostgresIntrospector(db),
          createQueryCompiler: () => new PostgresQueryCompiler(),
        },
      }),
    env: options.env ?? {},
    signal: options.signal ?? AbortSignal.timeout(timeoutMs),
    timeoutMs,
    reservedCents: options.reservedCents,
  };
}
