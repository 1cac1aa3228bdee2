import type { Knex } from 'knex';
import type { ApprovalQuery, ApprovalRequest, ApprovalStatus, HeldCall } from '../model/approval';
import type { ApprovalRepository } from '../ports';
import { cannotMatchStoredText, toBoolean, toMillis, toMillisOrNull } from './sql-quirks';

interface Row {
  id: string;
  organization_id: string;
  server_id: string;
  tool: string;
  tool_hash: string;
  arguments_hash: string;
  arguments: string;
  caller_key_id: string;
  caller_user_id: string | null;
  status: ApprovalStatus;
  requested_at: unknown;
  expires_at: unknown;
  decided_at: unknown;
  decided_by_key_id: string | null;
  decided_by_user_id: string | null;
  reason: string | null;
  approve_always: unknown;
  used_at: unknown;
  continuation: string | null;
}

const toRequest = (r: Row): ApprovalRequest => ({
  id: r.id,
  organizationId: r.organization_id,
  serverId: r.server_id,
  tool: r.tool,
  toolHash: r.tool_hash,
  argumentsHash: r.arguments_hash,
  argumentsCiphertext: r.arguments,
  callerKeyId: r.caller_key_id,
  callerUserId: r.caller_user_id,
  status: r.status,
  requestedAt: toMillis(r.requested_at),
  expiresAt: toMillis(r.expires_at),
  decidedAt: toMillisOrNull(r.decided_at),
  decidedByKeyId: r.decided_by_key_id,
  decidedByUserId: r.decided_by_user_id,
  reason: r.reason,
  approveAlways: toBoolean(r.approve_always),
  usedAt: toMillisOrNull(r.used_at),
  continuation: r.continuation ?? null,
});

const COLUMNS: Record<string, string> = {
  status: 'status',
  decidedAt: 'decided_at',
  decidedByKeyId: 'decided_by_key_id',
  decidedByUserId: 'decided_by_user_id',
  reason: 'reason',
  approveAlways: 'approve_always',
  usedAt: 'used_at',
  continuation: 'continuation',
};

/** Approval requests in the database; a state change is one conditional UPDATE, so two deciders (or two uses) never both win. */
export class KnexApprovalStore implements ApprovalRepository {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  /**
   * Inserts, unless the call already has a pending request (the partial unique index
   * approval_requests_one_pending): then nothing is written, and false says so. DO NOTHING
   * rather than a caught violation, which would abort a PostgreSQL transaction.
   */
  async insert(a: ApprovalRequest): Promise<boolean> {
    await this.db('approval_requests')
      .insert({
        id: a.id,
        organization_id: a.organizationId,
        server_id: a.serverId,
        tool: a.tool,
        tool_hash: a.toolHash,
        arguments_hash: a.argumentsHash,
        arguments: a.argumentsCiphertext,
        caller_key_id: a.callerKeyId,
        caller_user_id: a.callerUserId,
        status: a.status,
        requested_at: a.requestedAt,
        expires_at: a.expiresAt,
        decided_at: a.decidedAt,
        decided_by_key_id: a.decidedByKeyId,
        decided_by_user_id: a.decidedByUserId,
        reason: a.reason,
        approve_always: a.approveAlways,
        used_at: a.usedAt,
        continuation: a.continuation,
      })
      .onConflict()
      .ignore();
    return (await this.db('approval_requests').where({ id: a.id }).first('id')) !== undefined;
  }

  async findById(id: string): Promise<ApprovalRequest | null> {
    if (cannotMatchStoredText(id)) return null;
    const row = (await this.db('approval_requests').where({ id }).first()) as Row | undefined;
    return row ? toRequest(row) : null;
  }

  async latestFor(call: HeldCall): Promise<ApprovalRequest | null> {
    const row = (await this.db('approval_requests')
      .where({ server_id: call.serverId, tool: call.tool, caller_key_id: call.callerKeyId, arguments_hash: call.argumentsHash, tool_hash: call.toolHash })
      .orderBy('requested_at', 'desc')
      .orderBy('id', 'desc')
      .first()) as Row | undefined;
    return row ? toRequest(row) : null;
  }

  async list(q: ApprovalQuery, now: number): Promise<{ items: ApprovalRequest[]; total: number }> {
    if (cannotMatchStoredText(q.organizationId, q.serverId)) return { items: [], total: 0 };
    const filtered = () => {
      const b = this.db('approval_requests').where({ organization_id: q.organizationId });
      if (q.serverId !== undefined) b.where({ server_id: q.serverId });
      if (q.serverIds !== undefined) b.whereIn('server_id', q.serverIds.length ? q.serverIds : ['']);
      // `expired` is what a pending or unused approved request past its expiry reads as.
      if (q.status === 'expired')
        b.where((w) => w.where({ status: 'expired' }).orWhere((o) => o.whereIn('status', ['pending', 'approved']).where('expires_at', '<=', now)));
      else if (q.status === 'pending' || q.status === 'approved') b.where({ status: q.status }).where('expires_at', '>', now);
      else if (q.status !== undefined) b.where({ status: q.status });
      return b;
    };
    const [rows, counted] = await Promise.all([
      filtered().orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(q.limit).offset(q.offset).select() as Promise<Row[]>,
      filtered().count({ n: '*' }) as Promise<Array<{ n: unknown }>>,
    ]);
    return { items: rows.map(toRequest), total: Number(counted[0]?.n ?? 0) };
  }

  async transition(id: string, from: ApprovalStatus, to: Partial<ApprovalRequest> & { status: ApprovalStatus }, notAfter?: number): Promise<boolean> {
    const update: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(to)) if (COLUMNS[field]) update[COLUMNS[field]] = value;
    const b = this.db('approval_requests').where({ id, status: from });
    if (notAfter !== undefined) b.where('expires_at', '>', notAfter);
    return (await b.update(update)) === 1;
  }
}
