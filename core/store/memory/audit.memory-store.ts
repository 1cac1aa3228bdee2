import type { AuditEvent, AuditHead, AuditQuery, NewAuditEvent } from '../../model/audit';
import type { AuditRepository } from '../../ports';
import { chainHash, GENESIS_HASH } from '../../rules/audit-chain';
import type { TableAccess } from './memory-tables';

const copy = (e: AuditEvent): AuditEvent => JSON.parse(JSON.stringify(e)) as AuditEvent;

/** The audit trail in memory, answering as KnexAuditStore does (writes are serialised as on SQLite). */
export class MemoryAuditStore implements AuditRepository {
  constructor(private readonly tables: TableAccess) {}

  append(event: NewAuditEvent): Promise<AuditEvent> {
    return this.tables.write((t) => {
      const org = event.organizationId;
      const head = t.auditHeads.get(org) ?? { seq: 0, hash: GENESIS_HASH, prunedThroughSeq: 0, prunedThroughHash: GENESIS_HASH };
      const seq = head.seq + 1;
      const stored: AuditEvent = copy({ ...event, seq, prevHash: head.hash, hash: chainHash({ ...event, seq }, head.hash) });
      t.auditEvents.set(org, [...(t.auditEvents.get(org) ?? []), stored]);
      t.auditHeads.set(org, { ...head, seq, hash: stored.hash });
      return copy(stored);
    });
  }

  async list(q: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
    const all = (this.tables.read().auditEvents.get(q.organizationId) ?? [])
      .filter(
        (e) =>
          (q.since === undefined || e.at >= q.since) &&
          (q.until === undefined || e.at < q.until) &&
          (q.action === undefined || e.action === q.action) &&
          (q.targetId === undefined || e.targetId === q.targetId) &&
          (q.actor === undefined || e.actor.keyId === q.actor || e.actor.userId === q.actor),
      )
      .reverse();
    return { items: all.slice(q.offset, q.offset + q.limit).map(copy), total: all.length };
  }

  async chain(organizationId: string, afterSeq: number, limit: number, since?: number): Promise<AuditEvent[]> {
    return (this.tables.read().auditEvents.get(organizationId) ?? [])
      .filter((e) => e.seq > afterSeq && (since === undefined || e.at >= since))
      .slice(0, limit)
      .map(copy);
  }

  async head(organizationId: string): Promise<AuditHead | null> {
    const head = this.tables.read().auditHeads.get(organizationId);
    return head ? { ...head } : null;
  }

  async organizations(): Promise<string[]> {
    return [...this.tables.read().auditHeads.keys()].sort();
  }

  prune(organizationId: string, before: number): Promise<number> {
    return this.tables.write((t) => {
      const events = t.auditEvents.get(organizationId) ?? [];
      const older = events.filter((e) => e.at < before);
      const last = older[older.length - 1];
      if (!last) return 0;
      const kept = events.filter((e) => e.seq > last.seq);
      t.auditEvents.set(organizationId, kept);
      const head = t.auditHeads.get(organizationId)!;
      t.auditHeads.set(organizationId, { ...head, prunedThroughSeq: last.seq, prunedThroughHash: last.hash });
      return events.length - kept.length;
    });
  }
}
