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

// Statements a cursor can stream; anything else runs directly and its (small) result is cut.
function isCursorable(sql: string): boolean {
  const stripped = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '');
  return /^(select|with|values|table)\b|^\(/i.test(stripped);
}

/**
 * Runs one statement read-only: a fresh connection whose session defaults to read-only
 * transactions, `BEGIN READ ONLY`, `SET LOCAL statement_timeout`, the statement through the
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
