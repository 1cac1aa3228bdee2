import { migrateToLatest, openDatabase, type Database } from '../../core/store/database';
import { KnexStore } from '../../core/store/knex-store';
import { createTestDatabase } from './test-database';

export interface TestStore {
  database: Database;
  store: KnexStore;
  close(): Promise<void>;
}

/** A migrated database of its own and the Store over it, assembled as the gateway assembles it (SQLite's read connection included). */
export async function openTestStore(): Promise<TestStore> {
  const testDatabase = await createTestDatabase();
  const database = openDatabase(testDatabase.target);
  await migrateToLatest(database.knex);
  return {
    database,
    store: new KnexStore(database.knex, testDatabase.engine, database.reader()),
    close: async () => {
      await database.close();
      await testDatabase.drop();
    },
  };
}
