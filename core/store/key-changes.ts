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
 * null, nothing is served from the cache, and one reconnect is tried every second.
 */
export class PostgresKeyChangeWatch implements KeyChangeWatch {
  private seen = 0;
  private listener: Client | null = null;
  private connecting = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly onError: (error: Error) => void,
  ) {}

  /** Starts listening; resolves once the first attempt has connected or failed (then one retry loop runs). */
  async start(): Promise<void> {
    await this.connect();
  }

  current(): number | null {
    return this.listener === null ? null : this.seen;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  /** One attempt at a listening connection; a failed one is ended and the next is scheduled (never more than one pending). */
  private async connect(): Promise<void> {
    if (this.closed || this.connecting || this.listener !== null) return;
    this.connecting = true;
    // keepAlive: a connection that died silently is noticed, so the cache stops being trusted.
    const client = new Client({ connectionString: this.url, keepAlive: true });
    client.on('notification', () => {
      this.seen += 1;
    });
    // Errors while connecting reject connect() or query() below; afterwards `lost` handles them.
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query(`LISTEN ${KEY_CHANGE_CHANNEL}`);
    } catch (error) {
      this.connecting = false;
      await client.end().catch(() => undefined);
      if (!this.closed) {
        this.onError(error as Error);
        this.scheduleReconnect();
      }
      return;
    }
    this.connecting = false;
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    // Listening alone must not keep the process alive (a CLI command, a test that forgot to close).
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the key change listener lost its connection')));
    this.seen += 1;
    this.listener = client;
  }

  private lost(client: Client, error: Error): void {
    if (this.listener !== client) return;
    this.listener = null;
    // Whatever was cached under the old count is stale once notifications may have been missed.
    this.seen += 1;
    void client.end().catch(() => undefined);
    if (!this.closed) {
      this.onError(error);
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== null) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, 1000);
    this.reconnectTimer.unref();
  }
}
