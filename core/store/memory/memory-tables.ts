import type { StoredApiKey } from '../../model/api-key';
import type { ApprovalRequest } from '../../model/approval';
import type { AuditEvent, AuditHead } from '../../model/audit';
import type { ClientRegistration, ConsentFlow, OAuthGrant } from '../../model/oauth';
import type { StoredSecret } from '../../model/secret';
import type { McpServer, ServerAuth } from '../../model/server';

/**
 * The rows of the in-memory store. A stored record is never changed in place (every write
 * stores a fresh copy), so copying the maps is a complete snapshot: that is what makes a
 * transaction's draft cheap.
 */
export class Tables {
  constructor(
    readonly servers = new Map<string, McpServer>(),
    /** Keyed by `secretKey(organizationId, id)`: ids are unique per organization only. */
    readonly secrets = new Map<string, StoredSecret>(),
    readonly apiKeys = new Map<string, StoredApiKey>(),
    readonly approvals = new Map<string, ApprovalRequest>(),
    /** Per organization, in chain order; an array is replaced, never changed in place. */
    readonly auditEvents = new Map<string, AuditEvent[]>(),
    readonly auditHeads = new Map<string, AuditHead>(),
    readonly oauthRegistrations = new Map<string, ClientRegistration>(),
    readonly oauthFlows = new Map<string, ConsentFlow>(),
    readonly oauthGrants = new Map<string, OAuthGrant>(),
  ) {}

  snapshot(): Tables {
    return new Tables(
      new Map(this.servers),
      new Map(this.secrets),
      new Map(this.apiKeys),
      new Map(this.approvals),
      new Map(this.auditEvents),
      new Map(this.auditHeads),
      new Map(this.oauthRegistrations),
      new Map(this.oauthFlows),
      new Map(this.oauthGrants),
    );
  }
}

/** How the repositories reach their tables: the committed ones, or a transaction's draft. */
export interface TableAccess {
  read(): Tables;
  /** Applies one change; it is synchronous, so nothing interleaves with it. */
  write<T>(change: (tables: Tables) => T): Promise<T>;
}

/** An unambiguous map key for a pair of texts (a separator character could occur in either). */
export const secretKey = (organizationId: string, id: string) => JSON.stringify([organizationId, id]);

/**
 * Code-point order, the order both engines sort names in (SQLite's binary collation and
 * PostgreSQL's "C" compare UTF-8 bytes). JavaScript's `<` compares UTF-16 units instead, which
 * puts astral characters (emoji) before U+E000–U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The knex store keeps these parts as JSON text: a copy goes through JSON exactly as they do. */
function viaJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * A copy of a server as the knex store would give it back: the same fields (nothing else a
 * caller attached), nulls where it stores NULL, JSON parts through JSON, and the auth's secret
 * id kept apart from its public configuration, as in its own column.
 */
export function copyServer(s: McpServer): McpServer {
  const c = s.connection;
  return {
    id: s.id,
    organizationId: s.organizationId,
    ownerId: s.ownerId ?? null,
    type: s.type,
    name: s.name,
    description: s.description,
    url: s.url,
    transport: s.transport,
    auth: copyAuth(s.auth),
    requestHeaders: viaJson(s.requestHeaders),
    headerWriters: viaJson(s.headerWriters ?? {}),
    toolPolicy: {
      enabled: s.toolPolicy.enabled,
      allowedTools: s.toolPolicy.allowedTools === null ? null : viaJson(s.toolPolicy.allowedTools),
      approvalPolicy: s.toolPolicy.approvalPolicy,
    },
    toolApprovals: viaJson(s.toolApprovals),
    isActive: s.isActive,
    connection: {
      status: c.status,
      lastTestedAt: c.lastTestedAt ?? null,
      lastConnectedAt: c.lastConnectedAt ?? null,
      errorMessage: c.errorMessage ?? null,
      tools: c.tools === null ? null : viaJson(c.tools),
    },
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    deletedAt: s.deletedAt ?? null,
  };
}

function copyAuth(auth: ServerAuth): ServerAuth {
  const { type, secretId, ...config } = auth as { type: ServerAuth['type']; secretId?: string };
  return { type, ...viaJson(config), ...(secretId ? { secretId } : {}) } as ServerAuth;
}

export function copySecret(s: StoredSecret): StoredSecret {
  return {
    id: s.id,
    organizationId: s.organizationId,
    name: s.name,
    ciphertext: s.ciphertext,
    managedBy: s.managedBy ?? null,
    ownerId: s.ownerId ?? null,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** Every field of a key but its organization list is a scalar, so one spread copies them. */
export function copyApiKey(k: StoredApiKey): StoredApiKey {
  const { organizationIds, secretHash, revokedAt, ...scalars } = k;
  return { ...scalars, secretHash: secretHash ?? null, organizationIds: [...organizationIds], revokedAt: revokedAt ?? null };
}
