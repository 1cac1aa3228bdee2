import type { Knex } from 'knex';
import type { AuditEvent, AuditHead, AuditQuery, NewAuditEvent } from '../model/audit';
import type { AuditRepository } from '../ports';
import { chainHash, GENESIS_HASH } from '../rules/audit-chain';
import { cannotMatchStoredText, parseJson, toMillis } from './sql-quirks';

interface Row {
  organization_id: string;
  seq: unknown;
  at: unknown;
  actor_key_id: string | null;
  actor_user_id: string | null;
  actor_dialect: string | null;
  action: string;
  target_type: string;
  target_id: string | null;
  fields: string;
  outcome: string;
  detail: string;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

const toEvent = (r: Row): AuditEvent => ({
  organizationId: r.organization_id,
  seq: toMillis(r.seq),
  at: toMillis(r.at),
  actor: { keyId: r.actor_key_id, userId: r.actor_user_id, dialect: r.actor_dialect },
  action: r.action,
  targetType: r.target_type,
  targetId: r.target_id,
  fields: parseJson<string[]>(r.fields),
  outcome: r.outcome,
  detail: parseJson<AuditEvent['detail']>(r.detail),
  requestId: r.request_id,
  prevHash: r.prev_hash,
  hash: r.hash,
});

/**
 * The audit trail in the database. Appending locks the organization's head row (PostgreSQL:
 * `FOR UPDATE`; SQLite: the transaction already holds the write lock), so concurrent writers on
 * any instance extend one linear chain.
 */
export class KnexAuditStore implements AuditRepository {
  constructor(
    private readonly db: Knex | Knex.Transaction,
    private readonly engine: 'sqlite' | 'postgres',
  ) {}

  async append(event: NewAuditEvent): Promise<AuditEvent> {
    const org = event.organizationId;
    const lockedHead = async () => {
      const query = this.db('audit_heads').where({ organization_id: org }).first('seq', 'hash');
      return (await (this.engine === 'postgres' ? query.forUpdate() : query)) as { seq: unknown; hash: string } | undefined;
    };
    let head = await lockedHead();
    if (!head) {
      // A first event starts the head; a head someone deleted is rebuilt from the last event, so
      // writing goes on (and verify reports the chain as it finds it).
      const last = (await this.db('audit_events').where({ organization_id: org }).orderBy('seq', 'desc').first('seq', 'hash')) as
        | { seq: unknown; hash: string }
        | undefined;
      await this.db.raw(
        'INSERT INTO audit_heads (organization_id, seq, hash, pruned_through_seq, pruned_through_hash) VALUES (?, ?, ?, 0, ?) ON CONFLICT (organization_id) DO NOTHING',
        [org, last ? toMillis(last.seq) : 0, last?.hash ?? GENESIS_HASH, GENESIS_HASH],
      );
      head = (await lockedHead())!;
    }
    const seq = toMillis(head.seq) + 1;
    const hash = chainHash({ ...event, seq }, head.hash);
    await this.db('audit_events').insert({
      organization_id: org,
      seq,
      at: event.at,
      actor_key_id: event.actor.keyId,
      actor_user_id: event.actor.userId,
      actor_dialect: event.actor.dialect,
      action: event.action,
      target_type: event.targetType,
      target_id: event.targetId,
      fields: JSON.stringify(event.fields),
      outcome: event.outcome,
      detail: JSON.stringify(event.detail),
      request_id: event.requestId,
      prev_hash: head.hash,
      hash,
    });
    await this.db('audit_heads').where({ organization_id: org }).update({ seq, hash });
    return { ...event, seq, prevHash: head.hash, hash };
  }

  async list(q: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
    if (cannotMatchStoredText(q.organizationId, q.action, q.targetId, q.actor)) return { items: [], total: 0 };
    const filtered = () => {
      const b = this.db('audit_events').where({ organization_id: q.organizationId });
      if (q.since !== undefined) b.where('at', '>=', q.since);
      if (q.until !== undefined) b.where('at', '<', q.until);
      if (q.action !== undefined) b.where({ action: q.action });
      if (q.targetId !== undefined) b.where({ target_id: q.targetId });
      if (q.actor !== undefined) b.where((w) => w.where({ actor_key_id: q.actor }).orWhere({ actor_user_id: q.actor }));
      return b;
    };
    const [rows, counted] = await Promise.all([
      filtered().orderBy('seq', 'desc').limit(q.limit).offset(q.offset).select() as Promise<Row[]>,
      filtered().count({ n: '*' }) as Promise<Array<{ n: unknown }>>,
    ]);
    return { items: rows.map(toEvent), total: Number(counted[0]?.n ?? 0) };
  }

  async chain(organizationId: string, afterSeq: number, limit: number, since?: number): Promise<AuditEvent[]> {
    const b = this.db('audit_events').where({ organization_id: organizationId }).where('seq', '>', afterSeq);
    if (since !== undefined) b.where('at', '>=', since);
    return ((await b.orderBy('seq', 'asc').limit(limit).select()) as Row[]).map(toEvent);
  }

  async head(organizationId: string): Promise<AuditHead | null> {
    const row = (await this.db('audit_heads').where({ organization_id: organizationId }).first()) as
      | { seq: unknown; hash: string; pruned_through_seq: unknown; pruned_through_hash: string }
      | undefined;
    if (!row) return null;
    return { seq: toMillis(row.seq), hash: row.hash, prunedThroughSeq: toMillis(row.pruned_through_seq), prunedThroughHash: row.pruned_through_hash };
  }

  async organizations(): Promise<string[]> {
    return ((await this.db('audit_heads').orderBy('organization_id').select('organization_id')) as Array<{ organization_id: string }>).map(
      (r) => r.organization_id,
    );
  }

  async prune(organizationId: string, before: number): Promise<number> {
    // Oldest first and contiguous: the last event older than `before` and everything before it.
    const last = (await this.db('audit_events')
      .where({ organization_id: organizationId })
      .where('at', '<', before)
      .orderBy('seq', 'desc')
      .first('seq', 'hash')) as { seq: unknown; hash: string } | undefined;
    if (!last) return 0;
    const through = toMillis(last.seq);
    const deleted = await this.db('audit_events').where({ organization_id: organizationId }).where('seq', '<=', through).delete();
    await this.db('audit_heads').where({ organization_id: organizationId }).update({ pruned_through_seq: through, pruned_through_hash: last.hash });
    return deleted;
  }
}
