import { traced } from './query-tracing';
import type { Knex } from 'knex';

/**
 * Single-row reads on the hot path (a key by its hash, a server by its id), outside any
 * transaction, by a name the store gives each statement. SQLite runs them on its read
 * connection; PostgreSQL as named prepared statements.
 */
export interface PointReads {
  one<T>(name: string, sql: string, bindings: readonly unknown[]): T | undefined | Promise<T | undefined>;
}

interface PgConnection {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: unknown[] }>;
}

interface PooledClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
}

/**
 * PostgreSQL's named prepared statements, on connections of knex's own pool: each connection
 * parses and plans a statement once and then only binds and runs it, where knex sends every
 * query as new text. By hand because knex has no named statements; `pg` prepares by name.
 */
export class PostgresPointReads implements PointReads {
  private readonly texts = new Map<string, string>();

  constructor(private readonly knex: Knex) {}

  async one<T>(name: string, sql: string, bindings: readonly unknown[]): Promise<T | undefined> {
    let text = this.texts.get(name);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      this.texts.set(name, text);
    }
    const client = this.knex.client as unknown as PooledClient;
    const connection = await client.acquireConnection();
    try {
      const query = { name: `mcp_gateway_${name}`, text, values: bindings };
      return (await traced('postgresql', sql, () => connection.query(query))).rows[0] as T | undefined;
    } finally {
      await client.releaseConnection(connection);
    }
  }
}
