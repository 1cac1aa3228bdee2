import { randomBytes } from 'node:crypto';
import { RelayIds } from '../../core/proxy/agent-replies';
import { AesGcmCipher } from '../../core/secrets/aes-gcm-cipher';
import { PostgresAgentReplies } from '../../core/store/agent-replies.postgres';
import { StoredAgentReplies } from '../../core/store/agent-replies.knex-store';
import { type Database, migrateToLatest, openDatabase } from '../../core/store/database';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
let asking: Database;
let answering: Database;
const cipher = new AesGcmCipher(randomBytes(32));
// Every instance derives the same key from the shared encryption key.
const ids = new RelayIds(randomBytes(32));
const errors: Error[] = [];

/** Two processes' relays over one database, as two instances (or two WORKERS on one SQLite file) have them. */
const relayOver = (database: Database) =>
  database.target.engine === 'postgres'
    ? new PostgresAgentReplies(database.knex, database.target.url, cipher, ids, (e: Error) => errors.push(e))
    : new StoredAgentReplies(database.knex, cipher, ids, (e: Error) => errors.push(e), 50);

beforeAll(async () => {
  db = await createTestDatabase();
  asking = openDatabase(db.target);
  await migrateToLatest(asking.knex);
  answering = openDatabase(db.target);
});
afterAll(async () => {
  await asking.close();
  await answering.close();
  await db.drop();
});

const ASKED = 'key_asked:0123456789abcdef';
const OTHER = 'key_other:0123456789abcdef';

describe('agent answers between processes sharing one database', () => {
  it('reach the process whose call asked, only from the owner asked, and are stored encrypted on the way', async () => {
    const here = relayOver(asking);
    const there = relayOver(answering);
    try {
      const id = here.newId(ASKED);
      expect(id).toMatch(/^gw-[0-9a-f]{32}$/);
      expect(there.issuedTo(id, ASKED)).toBe(true);
      expect(there.issuedTo(id, OTHER)).toBe(false);
      expect(there.issuedTo(`gw-${'0'.repeat(32)}`, ASKED)).toBe(false);
      const waiting = here.expect(id, ASKED);
      let settled = false;
      void waiting.answer.then(() => {
        settled = true;
      });
      // Another owner's answer to this id is not stored at all, nor is one to an id nobody issued.
      await there.deliver(id, OTHER, { id, result: { action: 'accept', content: { reply: 'not yours' } } });
      await there.deliver(`gw-${'1'.repeat(32)}`, ASKED, { id: 'x', result: {} });
      expect(Number((await answering.knex('agent_replies').count({ n: '*' }))[0]!.n)).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(settled).toBe(false);

      const deliver = there.deliver(id, ASKED, { id, result: { action: 'accept', content: { reply: 'a secret answer' } } });
      await deliver;
      const stored = JSON.stringify(await answering.knex('agent_replies').select('body'));
      expect(stored).not.toContain('a secret answer');
      await expect(waiting.answer).resolves.toEqual({ id, result: { action: 'accept', content: { reply: 'a secret answer' } } });
      // Taken: nothing is left.
      expect(Number((await answering.knex('agent_replies').count({ n: '*' }))[0]!.n)).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await here.close();
      await there.close();
    }
  }, 15_000);

  it('stores at most 64 unclaimed answers per owner', async () => {
    const there = relayOver(answering);
    try {
      for (let i = 0; i < 70; i += 1) await there.deliver(there.newId('key_flood:0123456789abcdef'), 'key_flood:0123456789abcdef', { id: 'x', result: {} });
      const stored = await answering.knex('agent_replies').where({ key_id: 'key_flood:0123456789abcdef' }).count({ n: '*' });
      expect(Number(stored[0]!.n)).toBe(64);
    } finally {
      await there.close();
    }
  });
});
