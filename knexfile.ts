import type { Knex } from 'knex';
import { parseDatabaseUrl } from './core/store/database';
import { migrationSource } from './core/store/migrations';

/**
 * For the knex CLI (`npx knex --knexfile dist/knexfile.js migrate:list`). The gateway itself
 * migrates on every start and CLI command; this file only lets an operator inspect the state.
 */
const target = parseDatabaseUrl(process.env.DATABASE_URL);
if (!target) throw new Error('DATABASE_URL must be sqlite:<path> or postgres://…');

const config: Knex.Config =
  target.engine === 'sqlite'
    ? { client: 'better-sqlite3', connection: { filename: target.filename }, useNullAsDefault: true, migrations: { migrationSource } }
    : { client: 'pg', connection: target.url, migrations: { migrationSource } };

export default config;
