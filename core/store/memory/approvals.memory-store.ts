import type { ApprovalQuery, ApprovalRequest, ApprovalStatus, HeldCall } from '../../model/approval';
import type { ApprovalRepository } from '../../ports';
import type { TableAccess } from './memory-tables';

const byNewest = (a: ApprovalRequest, b: ApprovalRequest) => b.requestedAt - a.requestedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Approval requests in memory, answering as KnexApprovalStore does. */
export class MemoryApprovalStore implements ApprovalRepository {
  constructor(private readonly tables: TableAccess) {}

  insert(request: ApprovalRequest): Promise<boolean> {
    return this.tables.write((t) => {
      if (t.approvals.has(request.id)) throw new Error(`approval_requests already holds a row with id '${request.id}'`);
      const sameCall = (a: ApprovalRequest) =>
        a.serverId === request.serverId &&
        a.tool === request.tool &&
        a.callerKeyId === request.callerKeyId &&
        a.argumentsHash === request.argumentsHash &&
        a.toolHash === request.toolHash;
      if (request.status === 'pending' && [...t.approvals.values()].some((a) => a.status === 'pending' && sameCall(a))) return false;
      t.approvals.set(request.id, { ...request });
      return true;
    });
  }

  async findById(id: string): Promise<ApprovalRequest | null> {
    const found = this.tables.read().approvals.get(id);
    return found ? { ...found } : null;
  }

  async latestFor(call: HeldCall): Promise<ApprovalRequest | null> {
    const matching = [...this.tables.read().approvals.values()].filter(
      (a) =>
        a.serverId === call.serverId &&
        a.tool === call.tool &&
        a.callerKeyId === call.callerKeyId &&
        a.argumentsHash === call.argumentsHash &&
        a.toolHash === call.toolHash,
    );
    const latest = matching.sort(byNewest)[0];
    return latest ? { ...latest } : null;
  }

  async list(q: ApprovalQuery, now: number): Promise<{ items: ApprovalRequest[]; total: number }> {
    const matches = (a: ApprovalRequest) => {
      if (a.organizationId !== q.organizationId) return false;
      if (q.serverId !== undefined && a.serverId !== q.serverId) return false;
      if (q.serverIds !== undefined && !q.serverIds.includes(a.serverId)) return false;
      const lapsed = (a.status === 'pending' || a.status === 'approved') && a.expiresAt <= now;
      if (q.status === 'expired') return a.status === 'expired' || lapsed;
      if (q.status === 'pending' || q.status === 'approved') return a.status === q.status && !lapsed;
      return q.status === undefined || a.status === q.status;
    };
    const all = [...this.tables.read().approvals.values()].filter(matches).sort(byNewest);
    return { items: all.slice(q.offset, q.offset + q.limit).map((a) => ({ ...a })), total: all.length };
  }

  transition(id: string, from: ApprovalStatus, to: Partial<ApprovalRequest> & { status: ApprovalStatus }, notAfter?: number): Promise<boolean> {
    return this.tables.write((t) => {
      const current = t.approvals.get(id);
      if (!current || current.status !== from || (notAfter !== undefined && current.expiresAt <= notAfter)) return false;
      t.approvals.set(id, { ...current, ...to });
      return true;
    });
  }
}
