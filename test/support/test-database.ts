import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { parseDatabaseUrl, type DatabaseTarget } from '../../core/store/database';

export type Engine = 'sqlite' | 'postgres';

export const testEngine = (): Engine => (process.env.MCP_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite');

export interface TestDatabase {
  engine: Engine;
  /** A DATABASE_URL for this database, usable by child processes too. */
  url: string;
  target: DatabaseTarget;
  /** Every byte stored for this database, as text: the SQLite files, or a dump of the schema. */
  rawContents(): Promise<string>;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file: a temporary SQLite file, or a fresh schema in the
 * PostgreSQL database named by TEST_DATABASE_URL (selected with libpq's search_path option).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  return testEngine() === 'postgres' ? createPostgresSchema() : createSqliteFile();
}

function createSqliteFile(): TestDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-gateway-test-'));
  const url = `sqlite:${join(dir, 'gateway.sqlite')}`;
  return {
    engine: 'sqlite',
    url,
    target: parseDatabaseUrl(url)!,
    rawContents: async () => {
      const { readdirSync, readFileSync } = await import('node:fs');
      return readdirSync(dir)
        .filter((f) => f.startsWith('gateway.sqlite') && !f.endsWith('.key'))
        .map((f) => readFileSync(join(dir, f)).toString('latin1'))
        .join('\n');
    },
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgresSchema(): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('TEST_DATABASE_URL is not set');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
  // As an operator would: pg_trgm once per database, in public, for the search index (migration 008).
  await admin.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public').catch(() => undefined);
  await admin.raw(`CREATE SCHEMA "${schema}"`);
  const separator = base.includes('?') ? '&' : '?';
  const url = `${base}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    engine: 'postgres',
    url,
    target: parseDatabaseUrl(url)!,
    rawContents: async () => {
      const tables = (await admin('information_schema.tables').where({ table_schema: schema }).select('table_name')) as Array<{ table_name: string }>;
      const dumps = await Promise.all(tables.map(async ({ table_name }) => JSON.stringify(await admin.withSchema(schema).select('*').from(table_name))));
      return dumps.join('\n');
    },
    drop: async () => {
      await admin.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.destroy();
    },
  };
}
