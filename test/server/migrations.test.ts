import pino from 'pino';
import { migrateToLatest, migrationsAreCurrent, openDatabase } from '../../core/store/database';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => (db = await createTestDatabase()));
afterAll(() => db.drop());

describe('migrations', () => {
  it('bring an empty database to the latest version, and running them again changes nothing', async () => {
    const { knex, close } = openDatabase(db.target);
    try {
      expect(await migrationsAreCurrent(knex)).toBe(false);
      await migrateToLatest(knex);
      expect(await migrationsAreCurrent(knex)).toBe(true);
      await migrateToLatest(knex);
      for (const table of ['mcp_servers', 'secrets', 'api_keys', 'gateway_meta']) expect(await knex.schema.hasTable(table)).toBe(true);
    } finally {
      await close();
    }
  });

  it('run safely from several connections at once', async () => {
    const other = await createTestDatabase();
    const handles = [openDatabase(other.target), openDatabase(other.target), openDatabase(other.target)];
    try {
      await Promise.all(handles.map((h) => migrateToLatest(h.knex)));
      expect(await migrationsAreCurrent(handles[0]!.knex)).toBe(true);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
      await other.drop();
    }
  });

  it('put SQLite in WAL mode', async () => {
    if (db.engine !== 'sqlite') return;
    const { knex, close } = openDatabase(db.target);
    try {
      const [row] = (await knex.raw('PRAGMA journal_mode')) as Array<{ journal_mode: string }>;
      expect(row!.journal_mode).toBe('wal');
    } finally {
      await close();
    }
  });
});

void pino;
