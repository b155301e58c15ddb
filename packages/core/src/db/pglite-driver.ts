import type { PGlite } from '@electric-sql/pglite';
import {
  CompiledQuery,
  IdentifierNode,
  RawNode,
  createQueryId,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

// Commands whose row count is the rows they changed, as kysely's own Postgres driver reports them.
const CHANGING_COMMANDS: ReadonlySet<string> = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/** The one session of a PGlite instance, lent to one kysely connection holder at a time. */
class PGliteConnection implements DatabaseConnection {
  readonly #client: PGlite;

  constructor(client: PGlite) {
    this.#client = client;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const result = await this.#client.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
    // The same numAffectedRows as the pg driver: the command tag's count, for changing commands only.
    const changed = result.command !== undefined && CHANGING_COMMANDS.has(result.command);
    return changed
      ? { numAffectedRows: BigInt(result.rowCount ?? result.affectedRows ?? 0), rows: result.rows }
      : { rows: result.rows };
  }

  // PGlite has no portal-backed cursor API: the rows are read at once and handed out in chunks,
  // which keeps kysely's `.stream()` working with the memory cost of `.execute()`.
  async *streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    const size = chunkSize ?? 100;
    if (!Number.isInteger(size) || size <= 0) throw new Error(`chunkSize must be a positive integer, got ${size}`);
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let start = 0; start < rows.length; start += size) yield { rows: rows.slice(start, start + size) };
  }
}

interface Waiter {
  readonly resolve: (connection: DatabaseConnection) => void;
  readonly reject: (error: Error) => void;
}

function savepointCommand(command: string, name: string): RawNode {
  // The identifier node quotes the name, as kysely's Postgres driver does.
  return RawNode.createWithChildren([RawNode.createWithSql(`${command} `), IdentifierNode.create(name)]);
}

/**
 * A kysely driver over one PGlite instance. PGlite is a single Postgres session, so the driver
 * lends it to one holder at a time: `acquireConnection` waits until the previous holder (a whole
 * transaction, or one query) releases it, and waiters are served in order. Without that queue,
 * a query from another handle would run inside someone else's open transaction.
 *
 * Hand-written rather than taken from `kysely-pglite-dialect`: that package (which queued the
 * same way) declares a PGlite peer range of ^0.2 || ^0.3 || ^0.4, so npm installed a second,
 * unused PGlite beside ours and `npm install --strict-peer-deps` refused @aos/core. This driver
 * adds what it lacked: savepoints, the pg driver's affected-row counts, and a clean refusal of
 * acquires once the store is closed.
 */
export class PGliteDriver implements Driver {
  #client: PGlite | undefined;
  readonly #connection: PGliteConnection;
  #held = false;
  readonly #waiters: Waiter[] = [];

  constructor(client: PGlite) {
    this.#client = client;
    this.#connection = new PGliteConnection(client);
  }

  async init(): Promise<void> {
    await this.#client?.waitReady;
  }

  acquireConnection(): Promise<DatabaseConnection> {
    if (this.#client === undefined) return Promise.reject(new Error('the embedded database is closed'));
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#connection);
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    if (connection !== this.#connection || !this.#held) {
      return Promise.reject(new Error('released a connection that is not held'));
    }
    const next = this.#waiters.shift();
    // Handed straight to the next waiter: the session is never free in between for a newcomer.
    if (next === undefined) this.#held = false;
    else next.resolve(this.#connection);
    return Promise.resolve();
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    let statement = 'begin';
    if (settings.isolationLevel || settings.accessMode) {
      statement = 'start transaction';
      if (settings.isolationLevel) statement += ` isolation level ${settings.isolationLevel}`;
      if (settings.accessMode) statement += ` ${settings.accessMode}`;
    }
    await connection.executeQuery(CompiledQuery.raw(statement));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await connection.executeQuery(compile(savepointCommand('savepoint', name), createQueryId()));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(compile(savepointCommand('rollback to', name), createQueryId()));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await connection.executeQuery(compile(savepointCommand('release', name), createQueryId()));
  }

  async destroy(): Promise<void> {
    const client = this.#client;
    if (client === undefined) return;
    this.#client = undefined;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new Error('the embedded database was closed'));
    await client.close();
  }
}
