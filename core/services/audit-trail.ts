import { InsufficientPermissions } from '../errors';
import type { AuditDetail, AuditEvent, AuditQuery, NewAuditEvent } from '../model/audit';
import type { McpServer } from '../model/server';
import type { Principal } from '../model/principal';
import type { Clock, Store } from '../ports';
import { type BrokenLink, ChainCheck, GENESIS_HASH } from '../rules/audit-chain';
import { assertOrganization } from './access';

/** An audit event by a principal, or (null) by the operator: the command line, the demo, retention. */
export function auditEvent(
  principal: Principal | null,
  organizationId: string,
  at: number,
  what: { action: string; targetType: string; targetId: string | null; fields?: string[]; outcome?: string; detail?: AuditDetail },
): NewAuditEvent {
  return {
    organizationId,
    at,
    actor: { keyId: principal?.keyId ?? null, userId: principal?.userId ?? null, dialect: principal?.dialect ?? 'operator' },
    action: what.action,
    targetType: what.targetType,
    targetId: what.targetId,
    fields: what.fields ?? [],
    outcome: what.outcome ?? 'ok',
    detail: what.detail ?? {},
    requestId: principal?.requestId ?? null,
  };
}

/** The parts of a server record an edit can change, by the names the audit trail uses. */
const SERVER_FIELDS: Array<[string, (s: McpServer) => unknown]> = [
  ['name', (s) => s.name],
  ['description', (s) => s.description],
  ['url', (s) => s.url],
  ['transport', (s) => s.transport],
  ['auth', (s) => s.auth],
  ['requestHeaders', (s) => s.requestHeaders],
  ['toolPolicy.enabled', (s) => s.toolPolicy.enabled],
  ['toolPolicy.allowedTools', (s) => s.toolPolicy.allowedTools],
  ['toolPolicy.approvalPolicy', (s) => s.toolPolicy.approvalPolicy],
  ['toolApprovals', (s) => s.toolApprovals],
  ['isActive', (s) => s.isActive],
];

/** The names of the fields that differ (never their values: auth and headers are ciphertext or secret references anyway). */
export function changedServerFields(before: McpServer, after: McpServer): string[] {
  return SERVER_FIELDS.filter(([, read]) => JSON.stringify(read(before)) !== JSON.stringify(read(after))).map(([name]) => name);
}

/** The fields a new server was given beyond the defaults (everything it holds, by name). */
export function createdServerFields(server: McpServer): string[] {
  const blank = {
    ...server,
    description: '',
    auth: { type: 'none' },
    requestHeaders: {},
    toolPolicy: { enabled: true, allowedTools: null, approvalPolicy: 'auto_approve_all' },
    toolApprovals: [],
    isActive: true,
  } as McpServer;
  return ['name', 'url', 'transport', ...changedServerFields(blank, server).filter((f) => !['name', 'url', 'transport'].includes(f))];
}

/** One event for a whole import or restore run: its format and how many servers landed how. */
export async function recordRun(
  deps: { store: Store; clock: Clock },
  organizationId: string,
  action: 'import.applied' | 'restore.applied',
  format: string,
  summary: Record<string, number>,
): Promise<void> {
  const at = deps.clock.now();
  await deps.store.transaction((tx) =>
    tx.audit.append(auditEvent(null, organizationId, at, { action, targetType: 'organization', targetId: organizationId, detail: { format, ...summary } })),
  );
}

export type VerifyResult = { intact: true; checked: number; from: number; head: number } | { intact: false; checked: number; from: number; broken: BrokenLink };

const BATCH = 1000;

/**
 * Reading and checking the audit trail. Writing happens where each change happens, inside its
 * transaction (`tx.audit.append`), so a change and its record land together or not at all.
 */
export class AuditTrail {
  constructor(private readonly deps: { store: Store; clock: Clock; retentionDays: number | null }) {}

  /** Records one event in a transaction of its own (for what is not a stored change: a proxied call). */
  record(event: NewAuditEvent): Promise<AuditEvent> {
    return this.deps.store.transaction((tx) => tx.audit.append(event));
  }

  /** Admins of the organization only. */
  list(principal: Principal, query: AuditQuery): Promise<{ items: AuditEvent[]; total: number }> {
    assertReader(principal, query.organizationId);
    return this.deps.store.audit.list(query);
  }

  /** verify, for a caller: admins of the organization only, as reading the trail. */
  async verifyFor(principal: Principal, organizationId: string): Promise<VerifyResult> {
    assertReader(principal, organizationId);
    return this.verify(organizationId);
  }

  /** Walks the organization's chain from where it is checkable and names the first broken link. */
  async verify(organizationId: string): Promise<VerifyResult> {
    const head = await this.deps.store.audit.head(organizationId);
    const start = head ? { seq: head.prunedThroughSeq, hash: head.prunedThroughHash } : { seq: 0, hash: GENESIS_HASH };
    const check = new ChainCheck(start);
    let after = start.seq;
    for (;;) {
      const batch = await this.deps.store.audit.chain(organizationId, after, BATCH);
      const broken = check.next(batch);
      if (broken) return { intact: false, checked: check.checked - start.seq, from: start.seq + 1, broken };
      if (batch.length < BATCH) break;
      after = batch[batch.length - 1]!.seq;
    }
    const broken = check.end(head ? { seq: head.seq, hash: head.hash } : null);
    if (broken) return { intact: false, checked: check.checked - start.seq, from: start.seq + 1, broken };
    return { intact: true, checked: check.checked - start.seq, from: start.seq + 1, head: head?.seq ?? 0 };
  }

  /** Every event of the organization in chain order (from `since`), a batch at a time. */
  async *events(organizationId: string, since?: number): AsyncGenerator<AuditEvent> {
    let after = 0;
    for (;;) {
      const batch = await this.deps.store.audit.chain(organizationId, after, BATCH, since);
      yield* batch;
      if (batch.length < BATCH) return;
      after = batch[batch.length - 1]!.seq;
    }
  }

  /**
   * MCP_GATEWAY_AUDIT_RETENTION_DAYS: drops each organization's events older than the retention,
   * oldest first, and records the pruning itself as the chain's next event.
   */
  async prune(): Promise<Array<{ organizationId: string; pruned: number }>> {
    if (this.deps.retentionDays === null) return [];
    const now = this.deps.clock.now();
    const before = now - this.deps.retentionDays * 86_400_000;
    const done: Array<{ organizationId: string; pruned: number }> = [];
    for (const organizationId of await this.deps.store.audit.organizations()) {
      const pruned = await this.deps.store.transaction(async (tx) => {
        const count = await tx.audit.prune(organizationId, before);
        if (count > 0)
          await tx.audit.append(
            auditEvent(null, organizationId, now, {
              action: 'audit.pruned',
              targetType: 'audit',
              targetId: organizationId,
              detail: { events: count, olderThan: new Date(before).toISOString(), retentionDays: this.deps.retentionDays },
            }),
          );
        return count;
      });
      if (pruned > 0) done.push({ organizationId, pruned });
    }
    return done;
  }
}

/** Who reads an organization's trail, events or verification: its admins. */
function assertReader(principal: Principal, organizationId: string): void {
  assertOrganization(principal, organizationId);
  if (principal.role !== 'admin') throw new InsufficientPermissions('Only admins of the organization read its audit trail');
}
