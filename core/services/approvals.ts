import { argumentsContext } from '../secrets/contexts';
import { createHash } from 'node:crypto';
import { ApprovalNotPending, InsufficientPermissions, NotFound } from '../errors';
import { canonicalJson } from '../rules/tool-hash';
import { newApprovalId } from '../ids';
import type { ApprovalQuery, ApprovalRequest, ApprovalStatus, HeldCall } from '../model/approval';
import type { Principal } from '../model/principal';
import type { McpServer } from '../model/server';
import type { Cipher, Clock, Store } from '../ports';
import { assertOrganization, findAccessibleServer } from './access';
import { auditEvent } from './audit-trail';
import type { ServerRegistry } from './server-registry';

export interface ApprovalSettings {
  /** MCP_GATEWAY_APPROVAL_TTL_MS: how long a request waits for a decision, and an approval for its call. */
  ttlMs: number;
  /** MCP_GATEWAY_APPROVAL_ALLOW_SELF: a key may decide on its own calls (default: never). */
  allowSelfDecision: boolean;
}

/** What a held call meets: a decision it may use (now used), one still to come, a refusal, or a lapse. */
export type Verdict =
  | { state: 'approved'; request: ApprovalRequest }
  | { state: 'pending'; request: ApprovalRequest }
  | { state: 'denied'; request: ApprovalRequest }
  | { state: 'expired'; request: ApprovalRequest };

/** A request as deciders see it: its state as of now, and the arguments in the clear. */
export type ApprovalView = Omit<ApprovalRequest, 'argumentsCiphertext'> & { arguments: unknown };

/** SHA-256 of JSON with every object's keys sorted: the same arguments hash alike whatever order they came in. */
export function argumentsHash(args: unknown): string {
  return createHash('sha256').update(canonicalJson(args)).digest('hex');
}

/** What a request reads as now: a pending or approved request past its expiry has expired. */
export function statusAt(request: ApprovalRequest, now: number): ApprovalStatus {
  if ((request.status === 'pending' || request.status === 'approved') && request.expiresAt <= now) return 'expired';
  return request.status;
}

/**
 * Human approval of held tool calls. A request covers exactly one call: the server, the tool,
 * the tool's definition hash, the arguments' hash and the calling key; an approval is used once,
 * before it expires. Only admins of the organization, or the server's owner, decide, and never
 * on their own key's call unless the operator allows it.
 */
export class ApprovalDesk {
  constructor(
    private readonly deps: { store: Store; cipher: Cipher; clock: Clock; registry: ServerRegistry },
    readonly settings: ApprovalSettings,
  ) {}

  /**
   * The proxy's side. `resumeId` is the request a 2026-07-28 retry names (ignored unless it is for
   * this very call). An approved request is used here, once (a conditional update decides).
   */
  async hold(
    server: McpServer,
    principal: Principal,
    call: { tool: string; toolHash: string; arguments: unknown },
    resumeId?: string,
    continuation?: string,
  ): Promise<Verdict> {
    const held: HeldCall = {
      serverId: server.id,
      tool: call.tool,
      toolHash: call.toolHash,
      argumentsHash: argumentsHash(call.arguments),
      callerKeyId: principal.keyId,
    };
    const store = this.deps.store.approvals;
    const named = resumeId ? await store.findById(resumeId) : null;
    const request = named && covers(named, held) ? named : await store.latestFor(held);
    const now = this.deps.clock.now();
    if (request) {
      const status = statusAt(request, now);
      // The next round of an approved call the upstream asked something of: the same call, continued.
      if (continuation !== undefined && request.status === 'used' && request.continuation === continuation && request.expiresAt > now)
        return { state: 'approved', request };
      if (status === 'approved' && (await store.transition(request.id, 'approved', { status: 'used', usedAt: now }, now)))
        return { state: 'approved', request: { ...request, status: 'used', usedAt: now } };
      if (status === 'pending') return { state: 'pending', request };
      if (status === 'denied' && request.expiresAt > now) return { state: 'denied', request };
      if (status === 'expired' && request.status !== 'expired') {
        // Reported once: the next identical call asks afresh.
        const from = request.status;
        if (await store.transition(request.id, from, { status: 'expired' })) {
          await this.deps.store.transaction((tx) =>
            tx.audit.append(
              auditEvent(null, request.organizationId, now, {
                action: 'approval.expired',
                targetType: 'approval_request',
                targetId: request.id,
                outcome: 'expired',
                detail: { server: request.serverId, tool: request.tool, was: from },
              }),
            ),
          );
        }
        return { state: 'expired', request: { ...request, status: 'expired' } };
      }
    }
    return { state: 'pending', request: await this.open(server, principal, held, call.arguments, now) };
  }

  /**
   * After the approved call's upstream round: an `input_required` answer's state (hashed) lets the
   * retry that carries it continue; a final answer (null) ends the call.
   */
  async continueWith(request: ApprovalRequest, continuation: string | null): Promise<void> {
    await this.deps.store.approvals.transition(request.id, 'used', { status: 'used', continuation });
  }

  /** Gives back an approval whose call never reached the upstream (a full queue, a failed connect): it may be used again. */
  async release(request: ApprovalRequest): Promise<void> {
    await this.deps.store.approvals.transition(request.id, 'used', { status: 'approved', usedAt: null }, this.deps.clock.now());
  }

  /** The current state of a request (the waiting 2025-era call polls it). */
  async statusOf(id: string): Promise<ApprovalStatus | null> {
    const request = await this.deps.store.approvals.findById(id);
    return request ? statusAt(request, this.deps.clock.now()) : null;
  }

  /** Admins see every request of the organization; a member, those on the servers it owns. */
  async list(principal: Principal, query: Omit<ApprovalQuery, 'serverIds'>): Promise<{ items: ApprovalView[]; total: number }> {
    assertOrganization(principal, query.organizationId);
    let serverIds: string[] | undefined;
    if (principal.role !== 'admin') {
      const { items } = await this.deps.store.servers.list({ organizationId: query.organizationId });
      serverIds = items.filter((s) => s.ownerId !== null && s.ownerId === principal.userId).map((s) => s.id);
    }
    const now = this.deps.clock.now();
    const { items, total } = await this.deps.store.approvals.list({ ...query, serverIds }, now);
    return { items: items.map((r) => this.view(r, now)), total };
  }

  async get(principal: Principal, id: string): Promise<ApprovalView> {
    const { request } = await this.decidable(principal, id);
    return this.view(request, this.deps.clock.now());
  }

  /** Approves the call; with `always`, the tool is also approved for its current definition (`auto_approved` at this hash). */
  async approve(principal: Principal, id: string, options: { always?: boolean } = {}): Promise<ApprovalView> {
    const always = options.always === true;
    // Approve always: the tool's approval lands with the decision, or neither does.
    const decided = await this.decide(principal, id, { status: 'approved', approveAlways: always }, { always }, async (tx, request) => {
      if (always)
        await this.deps.registry.addToolApproval(
          principal,
          request.serverId,
          { toolName: request.tool, toolHash: request.toolHash, state: 'auto_approved' },
          tx,
        );
    });
    return this.view(decided, this.deps.clock.now());
  }

  async deny(principal: Principal, id: string, reason: string): Promise<ApprovalView> {
    return this.view(await this.decide(principal, id, { status: 'denied', reason }, {}), this.deps.clock.now());
  }

  /** One decision on a pending request, recorded with it; a request no longer pending is refused (only one decision wins). */
  private async decide(
    principal: Principal,
    id: string,
    to: { status: 'approved' | 'denied'; approveAlways?: boolean; reason?: string },
    detail: Record<string, boolean>,
    also?: (tx: Store, request: ApprovalRequest) => Promise<void>,
  ): Promise<ApprovalRequest> {
    const { request } = await this.decidable(principal, id, true);
    const now = this.deps.clock.now();
    const decision = { ...to, decidedAt: now, decidedByKeyId: principal.keyId, decidedByUserId: principal.userId };
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.approvals.transition(id, 'pending', decision, now)))
        throw new ApprovalNotPending(id, statusAt((await tx.approvals.findById(id)) ?? request, now));
      await tx.audit.append(
        auditEvent(principal, request.organizationId, now, {
          action: `approval.${to.status}`,
          targetType: 'approval_request',
          targetId: id,
          outcome: to.status,
          detail: { server: request.serverId, tool: request.tool, ...detail },
        }),
      );
      await also?.(tx, request);
    });
    return { ...request, ...decision };
  }

  private async open(server: McpServer, principal: Principal, held: HeldCall, args: unknown, now: number): Promise<ApprovalRequest> {
    const id = newApprovalId();
    const request: ApprovalRequest = {
      ...held,
      id,
      organizationId: server.organizationId,
      argumentsCiphertext: this.deps.cipher.encrypt(JSON.stringify(args ?? null), argumentsContext(id)),
      callerUserId: principal.userId,
      status: 'pending',
      requestedAt: now,
      expiresAt: now + this.settings.ttlMs,
      decidedAt: null,
      decidedByKeyId: null,
      decidedByUserId: null,
      reason: null,
      approveAlways: false,
      usedAt: null,
      continuation: null,
    };
    const opened = await this.deps.store.transaction(async (tx) => {
      if (!(await tx.approvals.insert(request))) return false;
      await tx.audit.append(
        auditEvent(principal, server.organizationId, now, {
          action: 'approval.requested',
          targetType: 'approval_request',
          targetId: id,
          outcome: 'pending',
          detail: { server: server.id, tool: held.tool },
        }),
      );
      return true;
    });
    if (opened) return request;
    // An identical call opened it a moment ago: this one waits for the same decision.
    const existing = await this.deps.store.approvals.latestFor(held);
    if (!existing) throw new Error('approval request vanished');
    return existing;
  }

  /**
   * The request, when this principal may decide on it: a member of its organization who is an
   * admin or owns the server. Anyone else meets NotFound, as for a request that does not exist.
   */
  private async decidable(principal: Principal, id: string, deciding = false): Promise<{ request: ApprovalRequest; server: McpServer }> {
    const request = await this.deps.store.approvals.findById(id);
    if (!request || !principal.organizationIds.includes(request.organizationId)) throw new NotFound('approval_request', id);
    const server = await findAccessibleServer(this.deps.store, principal, request.serverId).catch(() => null);
    const owns = server !== null && server.ownerId !== null && server.ownerId === principal.userId;
    if (principal.role !== 'admin' && !owns) throw new NotFound('approval_request', id);
    // Its own call: the same key, or another key of the same user.
    const own = request.callerKeyId === principal.keyId || (request.callerUserId !== null && request.callerUserId === principal.userId);
    if (deciding && own && !this.settings.allowSelfDecision)
      throw new InsufficientPermissions("A key cannot decide on its own call, nor on its user's (MCP_GATEWAY_APPROVAL_ALLOW_SELF is off)");
    return { request, server: server as McpServer };
  }

  private view(request: ApprovalRequest, now: number): ApprovalView {
    const { argumentsCiphertext, ...rest } = request;
    return { ...rest, status: statusAt(request, now), arguments: JSON.parse(this.deps.cipher.decrypt(argumentsCiphertext, argumentsContext(request.id))) };
  }
}

function covers(request: ApprovalRequest, call: HeldCall): boolean {
  return (
    request.serverId === call.serverId &&
    request.tool === call.tool &&
    request.toolHash === call.toolHash &&
    request.argumentsHash === call.argumentsHash &&
    request.callerKeyId === call.callerKeyId
  );
}
