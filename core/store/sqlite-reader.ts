import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { BUSY_TIMEOUT_MS } from './sqlite-client';
import type { PointReads } from './point-reads';
import { tracedSync } from './query-tracing';
import { cachePreparedStatements } from './sqlite-statements';

/**
 * A second SQLite connection for reads outside transactions. WAL lets it read while the pooled
 * connection writes, and it runs straight on better-sqlite3 with cached prepared statements,
 * without knex's pool round trip: most requests are reads. WAL is a property of the file (the
 * pooled connection sets it before this one opens), so this one reads in WAL too. A reader
 * sees every commit that finished before its statement began, so nothing written and answered
 * is missed.
 */
export class SqliteReader implements PointReads {
  private readonly db: Database.Database;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Reads only: a write here would bypass the pooled connection's BEGIN IMMEDIATE.
    this.db.pragma('query_only = ON');
    cachePreparedStatements(this.db as never);
  }

  all<T>(sql: string, bindings: readonly unknown[]): T[] {
    return tracedSync('sqlite', sql, () => this.db.prepare(sql).all(...bindings) as T[]);
  }

  get<T>(sql: string, bindings: readonly unknown[]): T | undefined {
    return tracedSync('sqlite', sql, () => this.db.prepare(sql).get(...bindings) as T | undefined);
  }

  one<T>(_name: string, sql: string, bindings: readonly unknown[]): T | undefined {
    return this.get<T>(sql, bindings);
  }

  /** Runs a knex query on this connection: knex only writes the SQL. */
  run<T>(query: Knex.QueryBuilder): T[] {
    const { sql, bindings } = query.toSQL().toNative();
    return this.all<T>(
      sql,
      bindings.map((b) => (typeof b === 'boolean' ? Number(b) : b)),
    );
  }

  close(): void {
    this.db.close();
  }
}
