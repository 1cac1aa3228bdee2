import { agentReplyContext } from '../secrets/contexts';
import type { Knex } from 'knex';
import { type AgentReply, LocalAgentReplies, type RelayIds } from '../proxy/agent-replies';
import type { Cipher } from '../ports';

/** An answer nobody picked up within this long is dropped (the call that asked has long ended). */
const REPLY_TTL_MS = 10 * 60_000;
/**
 * Answers of one owner (a key in one session) waiting to be picked up. An answer is taken within
 * moments; past this, an owner is posting answers to questions that have ended, and more of them
 * are dropped, not stored.
 */
const MAX_STORED_PER_OWNER = 64;

/**
 * The relay across processes sharing one database: an answer that reaches a process where nobody
 * waits for it is stored (encrypted: it may hold what a person typed) in `agent_replies`; the
 * process that asked looks for the answers to its questions while it has any, takes each row
 * (the DELETE decides who got it) and hands it on. Several `WORKERS` on one SQLite file relay
 * this way; PostgreSQL adds a notification so nobody waits for the next look.
 */
export class StoredAgentReplies extends LocalAgentReplies {
  private readonly timer: NodeJS.Timeout;
  private ticks = 0;

  constructor(
    protected readonly db: Knex,
    private readonly cipher: Cipher,
    ids: RelayIds,
    protected readonly onError: (error: Error) => void,
    pollMs: number,
  ) {
    super(ids);
    this.timer = setInterval(() => void this.tick().catch((error) => this.onError(error as Error)), pollMs);
    this.timer.unref();
  }

  override async deliver(id: string, owner: string, reply: AgentReply): Promise<void> {
    // Only an id the gateway issued to this owner is stored: a made-up one costs nothing.
    if (!this.issuedTo(id, owner) || this.settle(id, owner, reply)) return;
    const [stored] = (await this.db('agent_replies').where({ key_id: owner }).count({ n: '*' })) as Array<{ n: unknown }>;
    if (Number(stored?.n ?? 0) >= MAX_STORED_PER_OWNER) return;
    await this.db('agent_replies')
      .insert({ id, key_id: owner, body: this.cipher.encrypt(JSON.stringify(reply), aadOf(id)), created_at: Date.now() })
      .onConflict(['id', 'key_id'])
      .ignore();
    await this.announce(id);
  }

  override async close(): Promise<void> {
    clearInterval(this.timer);
    await super.close();
  }

  /** Tells the other processes an answer is stored (nothing to do where they poll). */
  protected async announce(_id: string): Promise<void> {}

  /** Takes the stored answers to questions asked here, each once. */
  protected async pickUp(ids: string[]): Promise<void> {
    const mine = ids.filter((id) => this.waiting.has(id));
    if (!mine.length) return;
    const rows = (await this.db('agent_replies').whereIn('id', mine).select('id', 'key_id', 'body')) as Array<{ id: string; key_id: string; body: string }>;
    for (const row of rows) {
      // Anyone else's answer is no answer: it stays until it expires.
      if (this.waiting.get(row.id)?.owner !== row.key_id) continue;
      if ((await this.db('agent_replies').where({ id: row.id, key_id: row.key_id }).delete()) !== 1) continue;
      this.settle(row.id, row.key_id, JSON.parse(this.cipher.decrypt(row.body, aadOf(row.id))) as AgentReply);
    }
  }

  private async tick(): Promise<void> {
    if (this.waiting.size) await this.pickUp([...this.waiting.keys()]);
    if (++this.ticks % 100 === 0)
      await this.db('agent_replies')
        .where('created_at', '<', Date.now() - REPLY_TTL_MS)
        .delete();
  }
}

const aadOf = agentReplyContext;
