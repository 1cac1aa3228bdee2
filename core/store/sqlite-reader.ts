import Database from 'better-sqlite3';
import type { Knex } from 'knex';
import { cachePreparedStatements } from './sqlite-statements';

/**
 * A second SQLite connection for reads outside transactions. WAL lets it read while the pooled
 * connection writes, and it runs straight on better-sqlite3 with cached prepared statements,
 * without knex's pool round trip: most requests are reads. Its statements are cached like the
 * pooled connection's (sqlite-statements.ts). A reader sees every commit that
 * finished before its statement began, so nothing written and answered is missed.
 */
export class SqliteReader {
  private readonly db: Database.Database;

  constructor(filename: string) {
    this.db = new Database(filename);
    this.db.pragma('busy_timeout = 5000');
    cachePreparedStatements(this.db as never);
  }

  all<T>(sql: string, bindings: readonly unknown[]): T[] {
    return this.db.prepare(sql).all(...bindings) as T[];
  }

  get<T>(sql: string, bindings: readonly unknown[]): T | undefined {
    return this.db.prepare(sql).get(...bindings) as T | undefined;
  }

  /** Runs a knex query on this connection: knex only writes the SQL. */
  run<T>(query: Knex.QueryBuilder): T[] {
    const { sql, bindings } = query.toSQL().toNative();
    return this.all<T>(sql, bindings.map((b) => (typeof b === 'boolean' ? Number(b) : b)));
  }

  close(): void {
    this.db.close();
  }
}
