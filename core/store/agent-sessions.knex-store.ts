import type { Knex } from 'knex';
import type { AgentSession, AgentSessionRepository } from '../proxy/agent-sessions';
import { parseJson, toMillis } from './sql-quirks';

interface Row {
  id_hash: string;
  key_id: string;
  target: string;
  protocol_version: string;
  input_capabilities: string | null;
  created_at: unknown;
  last_seen_at: unknown;
}

/** Agent sessions in the database every instance shares. */
export class KnexAgentSessionStore implements AgentSessionRepository {
  constructor(private readonly db: Knex) {}

  async insert(idHash: string, s: AgentSession): Promise<void> {
    await this.db('agent_sessions').insert({
      id_hash: idHash,
      key_id: s.keyId,
      target: s.target,
      protocol_version: s.protocolVersion,
      input_capabilities: s.inputCapabilities === null ? null : JSON.stringify(s.inputCapabilities),
      created_at: s.createdAt,
      last_seen_at: s.lastSeenAt,
    });
  }

  async find(idHash: string): Promise<AgentSession | null> {
    const row = (await this.db('agent_sessions').where({ id_hash: idHash }).first()) as Row | undefined;
    if (!row) return null;
    return {
      keyId: row.key_id,
      target: row.target,
      protocolVersion: row.protocol_version,
      inputCapabilities: row.input_capabilities === null ? null : parseJson<Record<string, unknown>>(row.input_capabilities),
      createdAt: toMillis(row.created_at),
      lastSeenAt: toMillis(row.last_seen_at),
    };
  }

  async touch(idHash: string, at: number): Promise<void> {
    await this.db('agent_sessions').where({ id_hash: idHash }).update({ last_seen_at: at });
  }

  async delete(idHash: string): Promise<boolean> {
    return (await this.db('agent_sessions').where({ id_hash: idHash }).delete()) > 0;
  }

  async prune(keyId: string, cutoff: number, keep: number): Promise<void> {
    await this.db('agent_sessions').where({ key_id: keyId }).where('last_seen_at', '<', cutoff).delete();
    const excess = (await this.db('agent_sessions')
      .where({ key_id: keyId })
      .orderBy('last_seen_at', 'desc')
      .offset(keep)
      .limit(1000)
      .select('id_hash')) as Array<{ id_hash: string }>;
    if (excess.length)
      await this.db('agent_sessions')
        .whereIn(
          'id_hash',
          excess.map((r) => r.id_hash),
        )
        .delete();
  }

  async sweep(cutoff: number): Promise<void> {
    await this.db('agent_sessions').where('last_seen_at', '<', cutoff).delete();
  }
}
