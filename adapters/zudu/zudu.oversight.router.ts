import express, { type Router } from 'express';
import type { ApprovalStatus } from '../../core/model/approval';
import type { AuditEvent } from '../../core/model/audit';
import type { ApprovalDesk, ApprovalView } from '../../core/services/approvals';
import type { AuditTrail } from '../../core/services/audit-trail';
import { principalOf } from '../shared/principal';
import { everyFieldRead } from '../shared/wire-checks';
import { zuduOrganization } from './zudu.auth';
import { sendZudu } from './zudu.envelope';
import { zuduPageFields, zuduPageOf } from './zudu.mapper';
import type { components, operations } from './zudu.wire';

/**
 * `/api/approval-requests` and `/api/audit-events`: deciding on held tool calls, and reading the
 * audit trail, in the Zudu shape (the key pair's organization, snake_case, epoch milliseconds,
 * pages from 0, the envelope).
 */
type Schemas = components['schemas'];
type ApprovalListQuery = NonNullable<operations['listApprovalRequests']['parameters']['query']>;
type AuditListQuery = NonNullable<operations['listAuditEvents']['parameters']['query']>;

export function toZuduApproval(a: ApprovalView): Schemas['ApprovalRequest'] {
  return {
    id: a.id,
    organization_id: a.organizationId,
    server_id: a.serverId,
    tool_name: a.tool,
    tool_hash: a.toolHash,
    arguments_hash: a.argumentsHash,
    arguments: a.arguments as Schemas['ApprovalRequest']['arguments'],
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
  };
}

export function toZuduAuditEvent(e: AuditEvent): Schemas['AuditEvent'] {
  return {
    sequence: e.seq,
    at: e.at,
    actor: { key_id: e.actor.keyId, user_id: e.actor.userId, dialect: e.actor.dialect },
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    fields: e.fields,
    outcome: e.outcome,
    detail: e.detail,
    request_id: e.requestId,
    previous_hash: e.prevHash,
    hash: e.hash,
  };
}

export function zuduOversightRouter(approvals: ApprovalDesk, audit: AuditTrail): Router {
  const router = express.Router();

  router.get('/approval-requests', async (req, res) => {
    const principal = principalOf(res);
    const { page: p, limit: l, server_id, status, ...unread } = req.query as { [K in keyof ApprovalListQuery]-?: unknown };
    everyFieldRead(unread);
    const { page, limit, offset } = zuduPageOf(p, l);
    const { items, total } = await approvals.list(principal, {
      organizationId: zuduOrganization(principal),
      serverId: server_id === undefined ? undefined : String(server_id),
      status: status as ApprovalStatus | undefined,
      limit,
      offset,
    });
    sendZudu(res, 'Approval requests retrieved successfully', { approval_requests: items.map(toZuduApproval), ...zuduPageFields(page, limit, total) });
  });

  router.get('/approval-requests/:id', async (req, res) => {
    sendZudu(res, 'Approval request retrieved successfully', toZuduApproval(await approvals.get(principalOf(res), req.params.id)));
  });

  router.post('/approval-requests/:id/approve', async (req, res) => {
    const { approve_always, ...unread } = (req.body ?? {}) as { approve_always?: boolean };
    everyFieldRead(unread);
    const approved = await approvals.approve(principalOf(res), req.params.id, { always: approve_always === true });
    sendZudu(res, 'Approval request approved successfully', toZuduApproval(approved));
  });

  router.post('/approval-requests/:id/deny', async (req, res) => {
    const { reason, ...unread } = req.body as { reason: string };
    everyFieldRead(unread);
    sendZudu(res, 'Approval request denied successfully', toZuduApproval(await approvals.deny(principalOf(res), req.params.id, reason)));
  });

  router.get('/audit-events', async (req, res) => {
    const principal = principalOf(res);
    const { page: p, limit: l, since, until, action, target_id, actor, ...unread } = req.query as { [K in keyof AuditListQuery]-?: unknown };
    everyFieldRead(unread);
    const { page, limit, offset } = zuduPageOf(p, l);
    const { items, total } = await audit.list(principal, {
      organizationId: zuduOrganization(principal),
      since: since === undefined ? undefined : Number(since),
      until: until === undefined ? undefined : Number(until),
      action: action === undefined ? undefined : String(action),
      targetId: target_id === undefined ? undefined : String(target_id),
      actor: actor === undefined ? undefined : String(actor),
      limit,
      offset,
    });
    sendZudu(res, 'Audit events retrieved successfully', { events: items.map(toZuduAuditEvent), ...zuduPageFields(page, limit, total) });
  });

  return router;
}
