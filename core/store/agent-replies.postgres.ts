import type { Knex } from 'knex';
import { Client } from 'pg';
import type { Cipher } from '../ports';
import type { RelayIds } from '../proxy/agent-replies';
import { StoredAgentReplies } from './agent-replies.knex-store';

const CHANNEL = 'mcp_gateway_agent_replies';

/**
 * The relay across instances on one PostgreSQL database: a stored answer is announced with
 * NOTIFY, and the instance that asked LISTENs, so it takes the answer at once. Stored rather than
 * sent in the notification because a sampling answer may exceed NOTIFY's 8000-byte payload. The
 * polling underneath stays, every 2 s, for a notification missed while reconnecting.
 */
export class PostgresAgentReplies extends StoredAgentReplies {
  private listener: Client | null = null;
  private listening = false;
  private closed = false;

  constructor(
    db: Knex,
    private readonly url: string,
    cipher: Cipher,
    ids: RelayIds,
    onError: (error: Error) => void,
  ) {
    super(db, cipher, ids, onError, 2000);
  }

  /** Listens from the first question asked here on: most processes never ask one. */
  override expect(id: string, owner: string) {
    if (!this.listening) {
      this.listening = true;
      void this.listen().catch((error) => this.retryListen(error as Error));
    }
    return super.expect(id, owner);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }

  /** A listener that could not connect, or lost its connection, tries again a second later (polling covers the gap). */
  private retryListen(error: Error): void {
    this.onError(error);
    if (!this.closed) setTimeout(() => void this.listen().catch((e) => this.retryListen(e as Error)), 1000).unref();
  }

  protected override async announce(id: string): Promise<void> {
    await this.db.raw('SELECT pg_notify(?, ?)', [CHANNEL, id]);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.payload) void this.pickUp([message.payload]).catch((error) => this.onError(error as Error));
    });
    client.on('error', (error) => {
      this.listener = null;
      void client.end().catch(() => undefined);
      this.retryListen(error);
    });
    await client.connect().catch(async (error) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    await client.query(`LISTEN ${CHANNEL}`);
    if (this.closed) await client.end();
    else this.listener = client;
  }
}
