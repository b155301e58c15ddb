import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, JsonValue } from '../db/schema';
import { QueryConnectionFactsError, runReadOnlyQuery, type QueryConnectionFacts } from './postgres-query-driver';
import { readNumberSetting, requireSetting } from './skill-env';
import { boundedJson, boundedString, replaceNulCharacters, strictParams } from './skill-schema';
import { defineSkill, SkillError, type SkillEnv } from './skill-types';

/** Hard upper bound of `max_rows`. */
export const POSTGRES_QUERY_MAX_ROWS = 1000;
/** Rows returned when the params set no `max_rows`. */
export const POSTGRES_QUERY_DEFAULT_ROWS = 100;
/** `statement_timeout` when AOS_QUERY_STATEMENT_TIMEOUT_MS is unset. */
export const DEFAULT_QUERY_STATEMENT_TIMEOUT_MS = 5_000;

const postgresQueryInput = strictParams({
  sql: boundedString(100_000),
  params: z
    .array(boundedJson(64 * 1024))
    .max(100)
    .optional(),
  max_rows: z.number().int().min(1).max(POSTGRES_QUERY_MAX_ROWS).optional(),
});

/** Params of postgres_query. */
export type PostgresQueryInput = z.infer<typeof postgresQueryInput>;

// SQLSTATEs worth another attempt: serialization/deadlock, connection loss, server shutting
// down, too many connections. Everything else (syntax, permissions, read-only) is permanent.
const RETRYABLE_SQLSTATE = /^(40001|40P01|08\d{3}|57P0[123]|53300)$/;

/** Which server cluster and database a connection reached. */
interface DatabaseIdentity {
  readonly systemIdentifier: string;
  readonly database: string;
}

/**
 * The AOS store's identity, read through the store's own connection: the same
 * `pg_control_system()` + `current_database()` the query connection reports, so two URLs (or a
 * socket and a host name) that reach the same database compare equal, whatever their text.
 */
async function readStoreIdentity(db: Kysely<Database>): Promise<DatabaseIdentity> {
  // Loaded here: the registry (and `list-skills`) must not pay for kysely; the store has loaded it.
  const { sql } = await import('kysely');
  try {
    const { rows } = await sql<{ system_identifier: string; database: string }>`
      SELECT system_identifier::text AS system_identifier, current_database() AS database
      FROM pg_control_system()`.execute(db);
    const row = rows[0];
    if (row === undefined) throw new Error('pg_control_system() returned no row');
    return { systemIdentifier: row.system_identifier, database: row.database };
  } catch (error) {
    throw new SkillError(
      'backend',
      `postgres_query could not identify the AOS store, so it cannot tell AOS_QUERY_DATABASE_URL apart from it: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { retryable: false, outcomeCode: 'STORE_IDENTITY_UNKNOWN', cause: error },
    );
  }
}

/** Refuses the AOS store itself and roles that can reach the server's files, programs or sessions. */
function checkQueryConnection(facts: QueryConnectionFacts, store: DatabaseIdentity): void {
  if (facts.systemIdentifier === store.systemIdentifier && facts.database === store.database) {
    throw new SkillError(
      'policy',
      `postgres_query refuses AOS_QUERY_DATABASE_URL: it reaches the AOS store itself (database "${facts.database}" of the same server, system identifier ${facts.systemIdentifier})`,
      { retryable: false, outcomeCode: 'QUERY_TARGETS_STORE' },
    );
  }
  for (const role of facts.roles) {
    const reason = role.superuser
      ? 'it is a superuser'
      : role.dangerousMemberships.length > 0
        ? `it is a member of ${role.dangerousMemberships.join(', ')} (directly or through another role)`
        : undefined;
    if (reason !== undefined) {
      throw new SkillError(
        'policy',
        `postgres_query refuses role "${role.name}" of AOS_QUERY_DATABASE_URL: ${reason}; connect with a role that can only read`,
        { retryable: false, outcomeCode: 'QUERY_ROLE_TOO_POWERFUL' },
      );
    }
  }
}

/** A cell as JSON: Buffers as `\x…` hex, bigint and non-finite numbers as text, nested values recursively. */
function toJson(value: unknown): JsonValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: toJson(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  // Functions and symbols never come out of pg; nothing sensible to store for them.
  return null;
}

function statementTimeout(env: SkillEnv, attemptTimeoutMs: number): number {
  const configured = readNumberSetting(env, 'AOS_QUERY_STATEMENT_TIMEOUT_MS', DEFAULT_QUERY_STATEMENT_TIMEOUT_MS, {
    min: 1,
    max: 3_600_000,
    integer: true,
  });
  return Math.min(configured, attemptTimeoutMs);
}

/**
 * `postgres_query`: one read-only statement against `AOS_QUERY_DATABASE_URL`. Every connection is
 * checked before the statement runs: the AOS store itself (same `system_identifier` and
 * `current_database()` as `ctx.db`, whatever the URL says) is refused, and so is a role that is a
 * superuser or a member, directly or not, of pg_execute_server_program, pg_read_server_files,
 * pg_write_server_files or pg_signal_backend (`policy`, not retryable). Read-only transaction on a
 * read-only session, `statement_timeout` = AOS_QUERY_STATEMENT_TIMEOUT_MS (default 5000, never
 * above the attempt's timeout), at most `max_rows` (default 100, ≤ 1000) rows. Output
 * `{rows, columns, row_count, truncated}`. Use a database role with only SELECT rights as well.
 *
 * @example
 * ```ts
 * await postgresQuerySkill.execute(postgresQuerySkill.inputSchema.parse({ sql: 'SELECT $1::int AS n', params: [1] }), ctx)
 * // output: { rows: [{ n: 1 }], columns: ['n'], row_count: 1, truncated: false }
 * ```
 */
export const postgresQuerySkill = defineSkill({
  name: 'postgres_query',
  version: '1.0.0',
  description:
    'Read-only SQL query (read-only transaction, statement timeout, row cap) against AOS_QUERY_DATABASE_URL, never the AOS store.',
  inputSchema: postgresQueryInput,
  deterministic: false,
  sideEffects: false,
  network: true,
  defaultTimeoutMs: 30_000,
  estimateCostCents: () => 0,
  async execute(input, ctx) {
    const url = requireSetting(ctx.env, 'postgres_query', 'AOS_QUERY_DATABASE_URL');
    const store = await readStoreIdentity(ctx.db);
    const timeoutMs = statementTimeout(ctx.env, ctx.timeoutMs);
    try {
      const result = await runReadOnlyQuery({
        url,
        sql: input.sql,
        params: input.params,
        maxRows: input.max_rows ?? POSTGRES_QUERY_DEFAULT_ROWS,
        statementTimeoutMs: timeoutMs,
        connectTimeoutMs: Math.min(10_000, ctx.timeoutMs),
        signal: ctx.signal,
        checkConnection: (facts) => checkQueryConnection(facts, store),
      });
      return {
        output: {
          rows: result.rows.map((row) => replaceNulCharacters(toJson(row))),
          columns: result.columns,
          row_count: result.rowCount,
          truncated: result.truncated,
        },
        costCents: 0,
        outcomeCode: result.truncated ? 'ROWS_TRUNCATED' : 'OK',
      };
    } catch (error) {
      throw classifyQueryError(error, ctx.signal, timeoutMs);
    }
  },
});

function classifyQueryError(error: unknown, signal: AbortSignal, timeoutMs: number): SkillError {
  if (error instanceof SkillError) return error;
  if (signal.aborted) {
    return new SkillError('timeout', "postgres_query was aborted: the attempt's time ran out", {
      retryable: true,
      outcomeCode: 'TIMEOUT',
      cause: error,
    });
  }
  const { code, message } = error as { code?: string; message?: string };
  const text = message ?? String(error);
  if (error instanceof QueryConnectionFactsError && error.answered && !RETRYABLE_SQLSTATE.test(code ?? '')) {
    // Fail closed: a connection that cannot say where it landed and as whom is not used.
    return new SkillError(
      'policy',
      `postgres_query cannot check the connection of AOS_QUERY_DATABASE_URL (its role must be able to call pg_control_system() and read pg_roles): ${text}`,
      {
        retryable: false,
        outcomeCode: 'QUERY_TARGET_UNVERIFIED',
        ...(code === undefined ? {} : { output: { sqlstate: code } }),
        cause: error,
      },
    );
  }
  if (code === '57014') {
    return new SkillError(
      'timeout',
      `postgres_query: the statement ran longer than ${timeoutMs} ms and was cancelled`,
      {
        retryable: true,
        outcomeCode: 'STATEMENT_TIMEOUT',
        cause: error,
      },
    );
  }
  if (code === '25006') {
    return new SkillError('validation', `postgres_query is read-only: ${text}`, {
      retryable: false,
      outcomeCode: 'READ_ONLY_VIOLATION',
      output: { sqlstate: code },
      cause: error,
    });
  }
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    return new SkillError('backend', `postgres_query failed (SQLSTATE ${code}): ${text}`, {
      retryable: RETRYABLE_SQLSTATE.test(code),
      outcomeCode: `SQLSTATE_${code}`,
      output: { sqlstate: code },
      cause: error,
    });
  }
  // No SQLSTATE: the connection itself failed (refused, reset, timed out connecting).
  return new SkillError('network', `postgres_query could not talk to AOS_QUERY_DATABASE_URL: ${text}`, {
    retryable: true,
    outcomeCode: 'NETWORK_ERROR',
    cause: error,
  });
}
