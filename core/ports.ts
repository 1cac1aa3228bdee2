import type { StoredApiKey } from './model/api-key';
import type { ApprovalQuery, ApprovalRequest, ApprovalStatus, HeldCall } from './model/approval';
import type { AuditEvent, AuditHead, AuditQuery, NewAuditEvent } from './model/audit';
import type { ServerQuery } from './model/input';
import type { ClientRegistration, ConsentFlow, GrantSubject, OAuthGrant } from './model/oauth';
import type { ProbeOutcome, ProbeTarget } from './model/probe';
import type { StoredSecret } from './model/secret';
import type { ConnectionState, McpServer } from './model/server';

/** Persistence of servers. Throws NameConflict when a live name is taken in the organization. */
export interface ServerRepository {
  insert(server: McpServer): Promise<void>;
  /** Live (not deleted) server by id, or null. `forUpdate` locks the row until the transaction ends. */
  findById(id: string, options?: { forUpdate?: boolean }): Promise<McpServer | null>;
  list(query: ServerQuery): Promise<{ items: McpServer[]; total: number }>;
  /** Writes every mutable field of the server as given. */
  update(server: McpServer): Promise<void>;
  /** Live servers of the organization whose auth points at one of these secrets. */
  findUsingSecrets(organizationId: string, secretIds: string[]): Promise<Array<{ secretId: string; id: string; name: string }>>;
  countWithUrl(organizationId: string, url: string): Promise<number>;
  /** Stores a connection test's outcome, touching nothing else, so it never undoes an edit. */
  updateConnection(id: string, connection: ConnectionState): Promise<void>;
}

export interface SecretRepository {
  /** Throws SecretIdTaken when the organization already has a secret with this id. */
  insert(secret: StoredSecret): Promise<void>;
  listByOrganization(organizationId: string): Promise<StoredSecret[]>;
  /** `forUpdate` locks the row until the transaction ends, so an attach and a delete cannot cross. */
  findById(organizationId: string, id: string, options?: { forUpdate?: boolean }): Promise<StoredSecret | null>;
  update(secret: StoredSecret): Promise<void>;
  delete(organizationId: string, id: string): Promise<void>;
}

export interface ApiKeyRepository {
  insert(key: StoredApiKey): Promise<void>;
  findByKeyHash(keyHash: string): Promise<StoredApiKey | null>;
  list(): Promise<StoredApiKey[]>;
  /** Marks the key revoked; returns false when no such key exists. */
  revoke(id: string, at: number): Promise<boolean>;
  count(): Promise<number>;
}

/** Held tool calls and their decisions. */
export interface ApprovalRepository {
  /** False when the call already has a pending request (one per call at a time). */
  insert(request: ApprovalRequest): Promise<boolean>;
  findById(id: string): Promise<ApprovalRequest | null>;
  /** The most recent request for exactly this call, whatever its state. */
  latestFor(call: HeldCall): Promise<ApprovalRequest | null>;
  list(query: ApprovalQuery, now: number): Promise<{ items: ApprovalRequest[]; total: number }>;
  /**
   * Moves a request from one state to the next only if it is still in `from` (and, when given,
   * not past `notAfter`): false when another decision or use got there first.
   */
  transition(id: string, from: ApprovalStatus, to: Partial<ApprovalRequest> & { status: ApprovalStatus }, notAfter?: number): Promise<boolean>;
}

/** The append-only audit trail, chained per organization. */
export interface AuditRepository {
  /** Numbers and chains the event after the organization's last one; call it inside a transaction. */
  append(event: NewAuditEvent): Promise<AuditEvent>;
  list(query: AuditQuery): Promise<{ items: AuditEvent[]; total: number }>;
  /** Events in chain order from `afterSeq` on. */
  chain(organizationId: string, afterSeq: number, limit: number, since?: number): Promise<AuditEvent[]>;
  head(organizationId: string): Promise<AuditHead | null>;
  organizations(): Promise<string[]>;
  /** Deletes the organization's events older than `before`, oldest first, and moves the checkable start past them. */
  prune(organizationId: string, before: number): Promise<number>;
}

/** Registrations, consent flows and grants of the gateway as an OAuth client. */
export interface OAuthRepository {
  findRegistration(organizationId: string, issuer: string, redirectUri: string): Promise<ClientRegistration | null>;
  /** False when one already exists for the organization, issuer and redirect URI (read it instead). */
  insertRegistration(registration: ClientRegistration): Promise<boolean>;
  findRegistrationById(id: string): Promise<ClientRegistration | null>;
  insertFlow(flow: ConsentFlow): Promise<void>;
  /** Removes and returns the flow: only one caller ever gets it. */
  takeFlow(stateHash: string): Promise<ConsentFlow | null>;
  pruneFlows(expiredBefore: number): Promise<number>;
  /** The flow, left in place (the callback shows what it is for before it is used). */
  findFlow(stateHash: string): Promise<ConsentFlow | null>;
  /** Deletes all but the `keep` newest flows of a server and subject. */
  keepNewestFlows(serverId: string, subject: GrantSubject, keep: number): Promise<void>;
  findGrant(serverId: string, subject: GrantSubject): Promise<OAuthGrant | null>;
  findGrantById(id: string): Promise<OAuthGrant | null>;
  /** Inserts or replaces the grant of the server and subject. */
  saveGrant(grant: OAuthGrant): Promise<void>;
  /** Takes the refresh lease if nobody holds it (or it lapsed) and the grant is still at `version`. */
  claimRefresh(id: string, version: number, now: number, until: number): Promise<boolean>;
  /** Writes a refresh's result (or a status) on `version` only, bumps the version and frees the lease. */
  finishRefresh(id: string, version: number, changes: Partial<OAuthGrant>): Promise<boolean>;
  deleteGrant(id: string): Promise<void>;
  /** Adds to the scopes a step-up asks for (granted ones included), leaving the version alone. */
  addNeededScope(id: string, scope: string, union: (...scopes: Array<string | null>) => string | null): Promise<void>;
  grantsOfServer(serverId: string): Promise<OAuthGrant[]>;
}

export interface Store {
  servers: ServerRepository;
  secrets: SecretRepository;
  apiKeys: ApiKeyRepository;
  approvals: ApprovalRepository;
  audit: AuditRepository;
  oauth: OAuthRepository;
  /** Runs `work` atomically: every write inside lands, or none does. */
  transaction<T>(work: (store: Store) => Promise<T>): Promise<T>;
}

/** Authenticated encryption of secret material, bound to a context (`aad`) such as a row id. */
export interface Cipher {
  encrypt(plaintext: string, aad: string): string;
  decrypt(ciphertext: string, aad: string): string;
}

/**
 * Tells whether stored API keys may have changed (revoked, edited, deleted by anyone, in any
 * process): a number that moves when they do. Null when it cannot tell now; then verified keys
 * must not be served from memory.
 */
export interface KeyChangeWatch {
  current(): number | null | Promise<number | null>;
  close(): Promise<void>;
}

/** The operator console's sessions, by hashes only (see ConsoleSessions). */
export interface StoredConsoleSession {
  tokenHash: string;
  keyHash: string;
  csrfHash: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
}

export interface ConsoleSessionRepository {
  insert(session: StoredConsoleSession): Promise<void>;
  find(tokenHash: string): Promise<StoredConsoleSession | null>;
  touch(tokenHash: string, at: number): Promise<void>;
  delete(tokenHash: string): Promise<boolean>;
  /** Drops sessions past their end or idle since `idleCutoff`. */
  sweep(now: number, idleCutoff: number): Promise<void>;
}

/** An organization registry's read token, as stored (its hash only). */
export interface StoredRegistryToken {
  id: string;
  organizationId: string;
  tokenHash: string;
  label: string | null;
  createdAt: number;
  revokedAt: number | null;
}

export interface RegistryTokenRepository {
  insert(token: StoredRegistryToken): Promise<void>;
  findByHash(tokenHash: string): Promise<StoredRegistryToken | null>;
  list(organizationId: string): Promise<StoredRegistryToken[]>;
  /** True when a live token was revoked. */
  revoke(id: string, at: number): Promise<boolean>;
}

/** Background health checks' view of the database: what is due, and who checks it. */
export interface HealthLeaseRepository {
  /** Active, live servers last tested at or before `testedBefore` (or never) and leased to nobody at `now`, oldest first. */
  due(testedBefore: number, now: number, limit: number): Promise<Array<{ id: string; organizationId: string }>>;
  /** Takes the server's lease until `until` if no other holder's lease runs past `now`; true when taken. */
  claim(serverId: string, holder: string, until: number, now: number): Promise<boolean>;
  /** What /metrics shows: every active, live server's stored connection state. */
  snapshot(): Promise<Array<{ id: string; organizationId: string; status: string; lastConnectedAt: number | null }>>;
}

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Connects to an MCP server and lists its tools; never throws for an upstream failure. */
export interface ConnectionProbe {
  probe(target: ProbeTarget): Promise<ProbeOutcome>;
}
