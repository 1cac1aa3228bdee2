import { traceKnexQueries } from './query-tracing';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { migrationSource } from './migrations';
import { BUSY_TIMEOUT_MS, ImmediateBetterSqlite3Client } from './sqlite-client';
import { SqliteReader } from './sqlite-reader';
import { cachePreparedStatements, type SqliteConnection } from './sqlite-statements';

export type DatabaseTarget = { engine: 'sqlite'; filename: string } | { engine: 'postgres'; url: string };

export const DEFAULT_SQLITE_FILE = './data/mcp-gateway.sqlite';

/**
 * `DATABASE_URL`: unset → the embedded SQLite file; `sqlite:<path>` (or `sqlite://<path>`) →
 * another file; `postgres://` or `postgresql://` → PostgreSQL. Returns null for anything else.
 */
export function parseDatabaseUrl(url: string | undefined): DatabaseTarget | null {
  if (url === undefined || url.trim() === '') return { engine: 'sqlite', filename: resolve(DEFAULT_SQLITE_FILE) };
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(url.trim());
  if (sqlite?.[1]) return { engine: 'sqlite', filename: resolve(sqlite[1]) };
  if (/^postgres(?:ql)?:\/\/./.test(url.trim())) return { engine: 'postgres', url: url.trim() };
  return null;
}

export interface Database {
  knex: Knex;
  target: DatabaseTarget;
  /** SQLite only: the read connection (open it after the schema exists). */
  reader(): SqliteReader | null;
  close(): Promise<void>;
}

export function openDatabase(target: DatabaseTarget, options: { poolMax?: number } = {}): Database {
  const knex = target.engine === 'sqlite' ? openSqlite(target.filename) : openPostgres(target.url, options.poolMax ?? 10);
  traceKnexQueries(knex, target.engine === 'sqlite' ? 'sqlite' : 'postgresql');
  let reader: SqliteReader | null = null;
  return {
    knex,
    target,
    reader: () => {
      if (target.engine !== 'sqlite') return null;
      reader ??= new SqliteReader(target.filename);
      return reader;
    },
    close: async () => {
      reader?.close();
      await knex.destroy();
    },
  };
}

function openSqlite(filename: string): Knex {
  mkdirSync(dirname(filename), { recursive: true });
  return knexFactory({
    // better-sqlite3, with transactions that take the write lock up front (sqlite-client.ts).
    client: ImmediateBetterSqlite3Client as unknown as typeof Knex.Client,
    connection: { filename },
    useNullAsDefault: true,
    log: QUIET,
    // Errors name the statement without its bound values (logs never carry them: server/logger.ts).
    compileSqlOnError: false,
    // better-sqlite3 is synchronous: one connection serialises every statement and transaction.
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) => {
        // The busy timeout first: switching a new file to WAL waits for other processes' locks.
        conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
        conn.pragma('journal_mode = WAL');
        conn.pragma('synchronous = NORMAL');
        conn.pragma('foreign_keys = ON');
        cachePreparedStatements(conn);
        done(null, conn);
      },
    },
  });
}

/**
 * knex writes its own notes to the console (mostly "migration table is already locked" while
 * another process migrates, which migrateToLatest waits out). Failures still arrive as errors.
 */
const QUIET = { warn: () => undefined, error: () => undefined, deprecate: () => undefined, debug: () => undefined };

function openPostgres(url: string, poolMax: number): Knex {
  return knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: poolMax }, log: QUIET, compileSqlOnError: false });
}

/**
 * Brings the schema to the latest version; safe to call from several processes at once.
 * knex serialises migrations with a lock row but refuses (rather than waits) when another
 * process holds it, and two first starts race to create its bookkeeping tables: both cases
 * are retried until the other process is done.
 */
export async function migrateToLatest(knex: Knex, attempts = 100): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await ensureSingleLockRow(knex);
      await knex.migrate.latest({ migrationSource });
      return;
    } catch (error) {
      if (attempt >= attempts || !isConcurrentMigration(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
}

/**
 * knex creates its lock table and its one row with a read-then-insert, so two first starts at
 * once can leave two rows, and then no process ever gets the lock. The table is created here
 * with a primary key and its row inserted atomically, before knex looks.
 */
async function ensureSingleLockRow(knex: Knex): Promise<void> {
  await knex.raw('CREATE TABLE IF NOT EXISTS knex_migrations_lock ("index" integer PRIMARY KEY, is_locked integer)');
  await knex.raw('INSERT INTO knex_migrations_lock ("index", is_locked) VALUES (1, 0) ON CONFLICT DO NOTHING');
}

function isConcurrentMigration(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string };
  if (e?.name === 'MigrationLocked') return true;
  const onBookkeeping = /knex_migrations/.test(e?.message ?? '');
  return onBookkeeping && (/already exists/.test(e?.message ?? '') || e?.code === '23505' || e?.code === '42P07' || /SQLITE_BUSY|UNIQUE/.test(`${e?.code}`));
}

/** True when every known migration has run. */
export async function migrationsAreCurrent(knex: Knex): Promise<boolean> {
  const [, pending] = (await knex.migrate.list({ migrationSource })) as [unknown[], unknown[]];
  return pending.length === 0;
}
