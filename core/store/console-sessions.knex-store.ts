import type { Knex } from 'knex';
import type { ConsoleSessionRepository, StoredConsoleSession } from '../ports';
import { toMillis } from './sql-quirks';

interface Row {
  token_hash: string;
  key_hash: string;
  csrf_hash: string;
  created_at: unknown;
  last_seen_at: unknown;
  expires_at: unknown;
}

/** Console sessions in the database every instance shares. */
export class KnexConsoleSessionStore implements ConsoleSessionRepository {
  constructor(private readonly db: Knex) {}

  async insert(s: StoredConsoleSession): Promise<void> {
    await this.db('console_sessions').insert({
      token_hash: s.tokenHash,
      key_hash: s.keyHash,
      csrf_hash: s.csrfHash,
      created_at: s.createdAt,
      last_seen_at: s.lastSeenAt,
      expires_at: s.expiresAt,
    });
  }

  async find(tokenHash: string): Promise<StoredConsoleSession | null> {
    const row = (await this.db('console_sessions').where({ token_hash: tokenHash }).first()) as Row | undefined;
    if (!row) return null;
    return {
      tokenHash: row.token_hash,
      keyHash: row.key_hash,
      csrfHash: row.csrf_hash,
      createdAt: toMillis(row.created_at),
      lastSeenAt: toMillis(row.last_seen_at),
      expiresAt: toMillis(row.expires_at),
    };
  }

  async touch(tokenHash: string, at: number): Promise<void> {
    await this.db('console_sessions').where({ token_hash: tokenHash }).update({ last_seen_at: at });
  }

  async delete(tokenHash: string): Promise<boolean> {
    return (await this.db('console_sessions').where({ token_hash: tokenHash }).delete()) > 0;
  }

  async sweep(now: number, idleCutoff: number): Promise<void> {
    await this.db('console_sessions').where('expires_at', '<=', now).orWhere('last_seen_at', '<=', idleCutoff).delete();
  }
}
