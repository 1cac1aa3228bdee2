import { Client } from 'pg';
import type { KeyChangeWatch } from '../ports';
import { KEY_CHANGE_CHANNEL } from './migrations/007_key_change_clock';
import type { SqliteReader } from './sqlite-reader';

/**
 * SQLite: the change counter itself, read on the read connection (a one-row lookup in this
 * process, no round trip), so a key revoked by another process on the same file (the command
 * line) is seen by the very next request.
 */
export class SqliteKeyChangeWatch implements KeyChangeWatch {
  constructor(private readonly reader: SqliteReader) {}

  current(): number | null {
    const row = this.reader.get<{ version: number | bigint }>('SELECT version FROM api_key_change_clock WHERE id = 1', []);
    return row === undefined ? null : Number(row.version);
  }

  async close(): Promise<void> {}
}

/**
 * PostgreSQL: the counter would cost the round trip the cache saves, so each instance LISTENs
 * for the trigger's notification instead and counts notifications. The count only matters while
 * the listener is connected: until it is (and whenever its connection drops) `current()` is
 * null, nothing is served from the cache, and a reconnect is tried every second.
 */
export class PostgresKeyChangeWatch implements KeyChangeWatch {
  private seen = 0;
  private listener: Client | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Starts listening; resolves once the first LISTEN is in place (or has failed, then it retries). */
  async start(): Promise<void> {
    await this.listen().catch((error) => this.retry(error as Error));
  }

  current(): number | null {
    return this.listener === null ? null : this.seen;
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  private retry(error: Error): void {
    this.onError(error);
    if (!this.closed) setTimeout(() => void this.listen().catch((e) => this.retry(e as Error)), 1000).unref();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url });
    client.on('notification', () => {
      this.seen += 1;
    });
    let lost = false;
    const lose = (error: Error) => {
      if (lost) return;
      lost = true;
      if (this.listener === client) this.listener = null;
      // Whatever was cached under the old count is stale once notifications may have been missed.
      this.seen += 1;
      void client.end().catch(() => undefined);
      if (!this.closed) this.retry(error);
    };
    client.on('error', lose);
    client.on('end', () => lose(new Error('the key change listener lost its connection')));
    await client.connect().catch(async (error) => {
      await client.end().catch(() => undefined);
      throw error;
    });
    await client.query(`LISTEN ${KEY_CHANGE_CHANNEL}`);
    // Listening alone must not keep the process alive (a CLI command, a test that forgot to close).
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    if (this.closed) await client.end();
    else {
      this.seen += 1;
      this.listener = client;
    }
  }
}
