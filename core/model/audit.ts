/** Who did something: a key (and its user and dialect), or the operator's command line (all null). */
export interface AuditActor {
  keyId: string | null;
  userId: string | null;
  dialect: string | null;
}

/** Facts an event may carry besides field names: a tool, a rule, a count. Never a credential, header value or argument. */
export type AuditDetail = Record<string, string | number | boolean | null>;

/** An event as a service records it; the store numbers and chains it. */
export interface NewAuditEvent {
  organizationId: string;
  at: number;
  actor: AuditActor;
  /** `server.created`, `mcp.call`, `approval.approved`, …: the README lists them all. */
  action: string;
  targetType: string;
  targetId: string | null;
  /** The fields changed, by name. */
  fields: string[];
  outcome: string;
  detail: AuditDetail;
  requestId: string | null;
}

/** An event as stored: its place in its organization's chain, and the hashes that chain it. */
export interface AuditEvent extends NewAuditEvent {
  seq: number;
  prevHash: string;
  hash: string;
}

export interface AuditQuery {
  organizationId: string;
  since?: number;
  until?: number;
  action?: string;
  targetId?: string;
  /** A key id or a user id. */
  actor?: string;
  limit: number;
  offset: number;
}

/** Where an organization's chain starts being checkable: after the last pruned event. */
export interface AuditHead {
  seq: number;
  hash: string;
  prunedThroughSeq: number;
  prunedThroughHash: string;
}
