// pg is loaded on first use: the skills module (and `list-skills`) must not pay for it.
import type pg from 'pg';

const OID_INT8 = 20;
const OID_DATE = 1082;
const OID_TIMESTAMP = 1114;
const OID_TIMESTAMPTZ = 1184;
const CURSOR_NAME = 'aos_read_only_query';

/** One read-only query against a database that is not the AOS store. */
export interface ReadOnlyQueryOptions {
  /** A Postgres URL (AOS_QUERY_DATABASE_URL). */
  readonly url: string;
  readonly sql: string;
  readonly params?: readonly unknown[] | undefined;
  /** At most this many rows are fetched; one more is asked for to tell whether there were more. */
  readonly maxRows: number;
  /** `SET LOCAL statement_timeout`, in milliseconds. */
  readonly statementTimeoutMs: number;
  /** Connecting gives up after this long (default 10 s). */
  readonly connectTimeoutMs?: number | undefined;
  /** Aborting closes the connection (the server cancels the statement when it notices). */
  readonly signal?: AbortSignal | undefined;
  /**
   * Called once the connection is open, before any statement of the caller: throw to refuse
   * the connection (it is then closed without running `sql`).
   */
  readonly checkConnection?: ((facts: QueryConnectionFacts) => void | Promise<void>) | undefined;
}

/** Predefined roles whose members can reach the server's files, programs or other sessions. */
const DANGEROUS_PREDEFINED_ROLES = [
  'pg_execute_server_program',
  'pg_read_server_files',
  'pg_write_server_files',
  'pg_signal_backend',
] as const;

/** A role a query connection acts as: the login role (`session_user`) or the role in effect (`current_user`). */
export interface QueryConnectionRole {
  readonly name: string;
  readonly superuser: boolean;
  /** The {@link DANGEROUS_PREDEFINED_ROLES} it is a member of, directly or through other roles. */
  readonly dangerousMemberships: string[];
}

/** Which server and database a connection reached, and as whom, read on that connection itself. */
export interface QueryConnectionFacts {
  /** `system_identifier` of `pg_control_system()`: set by initdb, shared only by physical copies of a cluster. */
  readonly systemIdentifier: string;
  /** `current_database()`. */
  readonly database: string;
  /** `session_user` first, then `current_user` when it differs. */
  readonly roles: QueryConnectionRole[];
}

/** Rows as pg returns them, with the values of int8 and date/time columns normalised (see below). */
export interface ReadOnlyQueryResult {
  readonly rows: Record<string, unknown>[];
  readonly columns: string[];
  /** Rows returned (≤ maxRows). */
  readonly rowCount: number;
  /** True when the query had more rows than maxRows. */
  readonly truncated: boolean;
  /** The statement's command tag (SELECT, SHOW, …). */
  readonly command: string;
}

// int8 as a number while exact, else as text; dates and timestamps as the text Postgres
// sends, so no local time zone of this process slips into a result.
function typeParserFor(driver: typeof pg) {
  return (oid: number, format?: string): ((value: string) => unknown) => typeParser(driver, oid, format);
}

function typeParser(driver: typeof pg, oid: number, format?: string): (value: string) => unknown {
  if (oid === OID_INT8) {
    return (value: string) => {
      const n = Number(value);
      return Number.isSafeInteger(n) ? n : value;
    };
  }
  if (oid === OID_DATE || oid === OID_TIMESTAMP || oid === OID_TIMESTAMPTZ) return (value: string) => value;
  return driver.types.getTypeParser(oid, format as 'text') as (value: string) => unknown;
}

// pg_has_role(…, 'MEMBER') follows memberships through other roles (and is true for a superuser).
// Only roles this server knows are asked about, so an older server cannot make the check fail.
const FACTS_SQL = `
  SELECT (SELECT system_identifier::text FROM pg_control_system()) AS system_identifier,
         current_database() AS database,
         r.rolname AS role,
         r.rolsuper AS superuser,
         ARRAY(SELECT g.rolname::text FROM pg_roles g
               WHERE g.rolname = ANY($1::text[]) AND pg_has_role(r.oid, g.oid, 'MEMBER')
               ORDER BY g.rolname) AS memberships
  FROM unnest(ARRAY[session_user, current_user]::text[]) WITH ORDINALITY AS u(name, position)
  JOIN pg_roles r ON r.rolname = u.name
  ORDER BY u.position`;

interface FactsRow {
  system_identifier: string;
  database: string;
  role: string;
  superuser: boolean;
  memberships: string[];
}

/**
 * The connection's {@link QueryConnectionFacts} could not be read (e.g. SQLSTATE 42501 when
 * `pg_control_system()` was revoked from the role), so it was not checked and not used.
 * `cause` is pg's error.
 */
export class QueryConnectionFactsError extends Error {
  /** pg's SQLSTATE, when the server refused the query. */
  readonly code: string | undefined;
  /** True when the server answered (with an error or without a row), false when the connection failed. */
  readonly answered: boolean;

  constructor(cause: unknown, options: { answered?: boolean } = {}) {
    const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
    super(typeof message === 'string' ? message : String(cause), { cause });
    this.name = 'QueryConnectionFactsError';
    this.code = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
    this.answered = options.answered ?? this.code !== undefined;
  }
}

/** Reads {@link QueryConnectionFacts} on an open connection; throws a {@link QueryConnectionFactsError}. */
async function readConnectionFacts(client: pg.Client): Promise<QueryConnectionFacts> {
  let result: pg.QueryResult<FactsRow>;
  try {
    result = await client.query<FactsRow>({ text: FACTS_SQL, values: [[...DANGEROUS_PREDEFINED_ROLES]] });
  } catch (error) {
    throw new QueryConnectionFactsError(error);
  }
  const first = result.rows[0];
  if (first === undefined) {
    throw new QueryConnectionFactsError(new Error('the connection reports no role (session_user is not in pg_roles)'), {
      answered: true,
    });
  }
  const roles: QueryConnectionRole[] = [];
  for (const row of result.rows) {
    if (roles.some((role) => role.name === row.role)) continue;
    roles.push({ name: row.role, superuser: row.superuser, dangerousMemberships: row.memberships });
  }
  return { systemIdentifier: first.system_identifier, database: first.database, roles };
}

// Statements a cursor can stream; anything else runs directly and its (small) result is cut.
function isCursorable(sql: string): boolean {
  const stripped = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  return /^(select|with|values|table)\b|^\(/i.test(stripped);
}

/**
 * Runs one statement read-only: a fresh connection whose session defaults to read-only
 * transactions, checked by `checkConnection` (given the connection's {@link QueryConnectionFacts}), `BEGIN READ ONLY`, `SET LOCAL statement_timeout`, the statement through the
 * extended protocol (so `COMMIT; DROP …` cannot ride along: one statement only), at most
 * `maxRows + 1` rows fetched through a cursor, then ROLLBACK. A write fails with Postgres'
 * own error (SQLSTATE 25006, "cannot execute … in a read-only transaction"); pg errors are
 * thrown as they are (with `.code`) for the caller to classify.
 *
 * @example
 * ```ts
 * const r = await runReadOnlyQuery({ url, sql: 'SELECT id FROM t WHERE x = $1', params: [1], maxRows: 100, statementTimeoutMs: 5000 })
 * ```
 */
export async function runReadOnlyQuery(options: ReadOnlyQueryOptions): Promise<ReadOnlyQueryResult> {
  const { default: driver } = await import('pg');
  const client = new driver.Client({
    connectionString: options.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    options: '-c default_transaction_read_only=on',
    application_name: 'aos-postgres-query',
    types: { getTypeParser: typeParserFor(driver) as typeof pg.types.getTypeParser },
  });
  const onAbort = (): void => {
    void client.end().catch(() => undefined);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.signal?.aborted) throw options.signal.reason;
    await client.connect();
    client.on('error', () => undefined);
    if (options.checkConnection) await options.checkConnection(await readConnectionFacts(client));
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.statementTimeoutMs))}`);
    const text = options.sql.replace(/[\s;]+$/, '');
    const values = options.params ? [...options.params] : [];
    let result: pg.QueryResult;
    if (isCursorable(text)) {
      await client.query({
        text: `DECLARE ${CURSOR_NAME} NO SCROLL CURSOR FOR ${text}`,
        values,
        queryMode: 'extended',
      } as pg.QueryConfig);
      result = await client.query({
        text: `FETCH FORWARD ${options.maxRows + 1} FROM ${CURSOR_NAME}`,
        queryMode: 'extended',
      } as pg.QueryConfig);
      result.command = 'SELECT';
    } else {
      result = await client.query({ text, values, queryMode: 'extended' } as pg.QueryConfig);
    }
    await client.query('ROLLBACK');
    const rows = (result.rows as Record<string, unknown>[]) ?? [];
    const truncated = rows.length > options.maxRows;
    const kept = truncated ? rows.slice(0, options.maxRows) : rows;
    return {
      rows: kept,
      columns: (result.fields ?? []).map((field) => field.name),
      rowCount: kept.length,
      truncated,
      command: result.command ?? '',
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await client.end().catch(() => undefined);
  }
}
