import type { Knex } from 'knex';
import { Client } from 'pg';
import { type AgentReply, LocalAgentReplies } from '../proxy/agent-replies';
import type { Cipher } from '../ports';

const CHANNEL = 'mcp_gateway_agent_replies';
/** An answer nobody picked up within this long is dropped (the call that asked has long ended). */
const REPLY_TTL_MS = 10 * 60_000;
/** How often waiting instances look for answers whose notification they missed (a reconnect). */
const POLL_MS = 2000;

/**
 * The relay across instances sharing one PostgreSQL database: an answer that reaches an instance
 * nobody there waits for is stored (encrypted) and announced with NOTIFY; the instance that asked
 * LISTENs, takes the row and hands it on. Stored rather than sent in the notification because a
 * sampling answer may exceed NOTIFY's 8000-byte payload. A missed notification is caught by a
 * short poll that runs only while something waits here.
 */
export class PostgresAgentReplies extends LocalAgentReplies {
  private listener: Client | null = null;
  private listening = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;

  constructor(
    private readonly db: Knex,
    private readonly url: string,
    private readonly cipher: Cipher,
    private readonly onError: (error: Error) => void,
  ) {
    super();
    this.timer = setInterval(() => void this.tick().catch((error) => this.onError(error as Error)), POLL_MS);
    this.timer.unref();
  }

  /** Listens from the first question asked here on (most processes never ask one); until then, and without it, polling finds answers. */
  override expect(id: string, keyId: string) {
    if (!this.listening) {
      this.listening = true;
      void this.listen().catch((error) => this.onError(error as Error));
    }
    return super.expect(id, keyId);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (message.payload) void this.pickUp([message.payload]).catch((error) => this.onError(error as Error));
    });
    client.on('error', (error) => {
      this.onError(error);
      this.listener = null;
      void client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.listen().catch((e) => this.onError(e as Error)), 1000).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    if (this.closed) await client.end();
    else this.listener = client;
  }

  override async deliver(id: string, keyId: string, reply: AgentReply): Promise<void> {
    if (this.settle(id, keyId, reply)) return;
    await this.db('agent_replies')
      .insert({ id, key_id: keyId, body: this.cipher.encrypt(JSON.stringify(reply), aadOf(id)), created_at: Date.now() })
      .onConflict('id')
      .ignore();
    await this.db.raw('SELECT pg_notify(?, ?)', [CHANNEL, id]);
  }

  override async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await super.close();
    await this.listener?.end().catch(() => undefined);
    this.listener = null;
  }

  /** Takes the stored answers to questions asked here, each once (the DELETE decides who got it). */
  private async pickUp(ids: string[]): Promise<void> {
    const mine = ids.filter((id) => this.waiting.has(id));
    if (!mine.length) return;
    const rows = (await this.db('agent_replies').whereIn('id', mine).delete().returning(['id', 'key_id', 'body'])) as Array<{
      id: string;
      key_id: string;
      body: string;
    }>;
    for (const row of rows) this.settle(row.id, row.key_id, JSON.parse(this.cipher.decrypt(row.body, aadOf(row.id))) as AgentReply);
  }

  private async tick(): Promise<void> {
    if (this.waiting.size) await this.pickUp([...this.waiting.keys()]);
    if (++this.ticks % 30 === 0)
      await this.db('agent_replies')
        .where('created_at', '<', Date.now() - REPLY_TTL_MS)
        .delete();
  }
}

function aadOf(id: string): string {
  return `agent-reply:${id}`;
}
