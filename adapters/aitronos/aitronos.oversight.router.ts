import express, { type Router } from 'express';
import { ValidationError } from '../../core/errors';
import type { ApprovalStatus } from '../../core/model/approval';
import type { AuditEvent } from '../../core/model/audit';
import type { ApprovalDesk, ApprovalView } from '../../core/services/approvals';
import type { AuditTrail } from '../../core/services/audit-trail';
import { principalOf } from '../shared/principal';
import { everyFieldRead } from '../shared/wire-checks';
import type { components, operations } from './aitronos.wire';

/**
 * `/v1/approval-requests` and `/v1/audit-events`: deciding on held tool calls, and reading the
 * audit trail, in the Aitronos shape (snake_case in, camelCase out, ISO 8601 dates).
 */
type Schemas = components['schemas'];
type ApprovalListQuery = NonNullable<operations['listApprovalRequests']['parameters']['query']>;
type AuditListQuery = NonNullable<operations['listAuditEvents']['parameters']['query']>;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function toAitronosApproval(a: ApprovalView): Schemas['ApprovalRequest'] {
  return {
    id: a.id,
    organizationId: a.organizationId,
    serverId: a.serverId,
    tool: a.tool,
    toolHash: a.toolHash,
    argumentsHash: a.argumentsHash,
    arguments: a.arguments as Schemas['ApprovalRequest']['arguments'],
    callerKeyId: a.callerKeyId,
    callerUserId: a.callerUserId,
    status: a.status,
    requestedAt: iso(a.requestedAt),
    expiresAt: iso(a.expiresAt),
    decidedAt: isoOrNull(a.decidedAt),
    decidedByKeyId: a.decidedByKeyId,
    decidedByUserId: a.decidedByUserId,
    reason: a.reason,
    approveAlways: a.approveAlways,
    usedAt: isoOrNull(a.usedAt),
  };
}

export function toAitronosAuditEvent(e: AuditEvent): Schemas['AuditEvent'] {
  return {
    sequence: e.seq,
    at: iso(e.at),
    actor: { keyId: e.actor.keyId, userId: e.actor.userId, dialect: e.actor.dialect },
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    fields: e.fields,
    outcome: e.outcome,
    detail: e.detail,
    requestId: e.requestId,
    previousHash: e.prevHash,
    hash: e.hash,
  };
}

/** A date-time query parameter as epoch milliseconds; one the format admits but no calendar has (a leap second) is refused by name. */
function instant(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const at = Date.parse(String(value));
  if (!Number.isFinite(at)) throw new ValidationError(field, `${field} must be an ISO 8601 date-time such as 2026-12-01T00:00:00Z`);
  return at;
}

export function aitronosOversightRouter(approvals: ApprovalDesk, audit: AuditTrail): Router {
  const router = express.Router();

  router.get('/approval-requests', async (req, res) => {
    const { organization_id, server_id, status, limit, offset, ...unread } = req.query as { [K in keyof ApprovalListQuery]-?: unknown };
    everyFieldRead(unread);
    const { items, total } = await approvals.list(principalOf(res), {
      organizationId: String(organization_id),
      serverId: server_id === undefined ? undefined : String(server_id),
      status: status as ApprovalStatus | undefined,
      limit: limit === undefined ? 100 : Number(limit),
      offset: offset === undefined ? 0 : Number(offset),
    });
    const body: Schemas['ApprovalRequestList'] = { approvalRequests: items.map(toAitronosApproval), total };
    res.json(body);
  });

  router.get('/approval-requests/:request_id', async (req, res) => {
    res.json(toAitronosApproval(await approvals.get(principalOf(res), req.params.request_id)));
  });

  router.post('/approval-requests/:request_id/approve', async (req, res) => {
    const { approve_always, ...unread } = (req.body ?? {}) as Schemas['ApproveInput'];
    everyFieldRead(unread);
    res.json(toAitronosApproval(await approvals.approve(principalOf(res), req.params.request_id, { always: approve_always === true })));
  });

  router.post('/approval-requests/:request_id/deny', async (req, res) => {
    const { reason, ...unread } = req.body as Schemas['DenyInput'];
    everyFieldRead(unread);
    res.json(toAitronosApproval(await approvals.deny(principalOf(res), req.params.request_id, reason)));
  });

  router.get('/audit-events', async (req, res) => {
    const { organization_id, since, until, action, target_id, actor, limit, offset, ...unread } = req.query as { [K in keyof AuditListQuery]-?: unknown };
    everyFieldRead(unread);
    const { items, total } = await audit.list(principalOf(res), {
      organizationId: String(organization_id),
      since: instant('since', since),
      until: instant('until', until),
      action: action === undefined ? undefined : String(action),
      targetId: target_id === undefined ? undefined : String(target_id),
      actor: actor === undefined ? undefined : String(actor),
      limit: limit === undefined ? 100 : Number(limit),
      offset: offset === undefined ? 0 : Number(offset),
    });
    const body: Schemas['AuditEventList'] = { events: items.map(toAitronosAuditEvent), total };
    res.json(body);
  });

  return router;
}
