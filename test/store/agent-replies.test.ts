import { randomBytes } from 'node:crypto';
import { newRelayId } from '../../core/proxy/agent-replies';
import { AesGcmCipher } from '../../core/secrets/aes-gcm-cipher';
import { PostgresAgentReplies } from '../../core/store/agent-replies.postgres';
import { StoredAgentReplies } from '../../core/store/agent-replies.knex-store';
import { type Database, migrateToLatest, openDatabase } from '../../core/store/database';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
let asking: Database;
let answering: Database;
const cipher = new AesGcmCipher(randomBytes(32));
const errors: Error[] = [];

/** Two processes' relays over one database, as two instances (or two WORKERS on one SQLite file) have them. */
const relayOver = (database: Database) =>
  database.target.engine === 'postgres'
    ? new PostgresAgentReplies(database.knex, database.target.url, cipher, (e) => errors.push(e))
    : new StoredAgentReplies(database.knex, cipher, (e) => errors.push(e), 50);

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

describe('agent answers between processes sharing one database', () => {
  it('reach the process whose call asked, once, only from the key that was asked, and are stored encrypted on the way', async () => {
    const here = relayOver(asking);
    const there = relayOver(answering);
    try {
      const id = newRelayId();
      const waiting = here.expect(id, 'key_asked');
      let settled = false;
      void waiting.answer.then(() => {
        settled = true;
      });
      await there.deliver(id, 'key_other', { id, result: { action: 'accept', content: { reply: 'not yours' } } });
      const stored = await answering.knex('agent_replies').select('body');
      expect(JSON.stringify(stored)).not.toContain('not yours');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).toBe(false);
      const held = await answering.knex('agent_replies').where({ id }).count({ n: '*' });
      expect(Number(held[0]!.n)).toBe(1);

      await there.deliver(id, 'key_asked', { id, result: { action: 'accept', content: { reply: 'yes' } } });
      await expect(waiting.answer).resolves.toEqual({ id, result: { action: 'accept', content: { reply: 'yes' } } });
      // Taken: the asker's answer is gone from the table; the other key's stays until it expires.
      const left = (await answering.knex('agent_replies').where({ id }).select('key_id')) as Array<{ key_id: string }>;
      expect(left.map((r) => r.key_id)).toEqual(['key_other']);
      expect(errors).toEqual([]);
    } finally {
      await here.close();
      await there.close();
    }
  }, 15_000);

  it('stores at most 64 unclaimed answers per key', async () => {
    const there = relayOver(answering);
    try {
      for (let i = 0; i < 70; i += 1) await there.deliver(newRelayId(), 'key_flood', { id: 'x', result: {} });
      const stored = await answering.knex('agent_replies').where({ key_id: 'key_flood' }).count({ n: '*' });
      expect(Number(stored[0]!.n)).toBe(64);
    } finally {
      await there.close();
    }
  });
});
