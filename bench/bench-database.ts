import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';

export interface BenchDatabase {
  engine: 'sqlite' | 'postgres';
  /** DATABASE_URL for the gateway and the baselines. */
  url: string;
  /** For the baselines: the SQLite file, or the PostgreSQL URL and schema. */
  sqliteFile: string | null;
  pgSchema: string | null;
  drop(): Promise<void>;
}

/** A database of its own for one bench run: a temporary SQLite file, or a fresh PostgreSQL schema. */
export async function createBenchDatabase(engine: 'sqlite' | 'postgres'): Promise<BenchDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-'));
    const file = join(dir, 'bench.sqlite');
    return { engine, url: `sqlite:${file}`, sqliteFile: file, pgSchema: null, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: base, pool: { min: 0, max: 1 } });
  // As an operator would: pg_trgm once per database, in public, for the search index (migration 008).
  await admin.raw('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public').catch(() => undefined);
  await admin.raw(`CREATE SCHEMA "${schema}"`);
  const url = `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return {
    engine,
    url,
    sqliteFile: null,
    pgSchema: schema,
    drop: async () => {
      await admin.raw(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.destroy();
    },
  };
}
