import { migrateToLatest, openDatabase } from '../../core/store/database';
import { KnexStore } from '../../core/store/knex-store';
import { createTestDatabase, testEngine } from '../support/test-database';
import { describeStoreContract } from './store-contract';

// Assembled as the gateway assembles it: on SQLite, reads outside transactions use the read connection.
describeStoreContract(`KnexStore on ${testEngine()}`, async () => {
  const testDatabase = await createTestDatabase();
  const database = openDatabase(testDatabase.target);
  await migrateToLatest(database.knex);
  return {
    store: new KnexStore(database.knex, testDatabase.engine, database.reader()),
    close: async () => {
      await database.close();
      await testDatabase.drop();
    },
  };
});
