import { NotFound } from '../errors';
import { newSecretId, newServerId } from '../ids';
import { REDACTED, type AuthInput, type NewServer, type ServerPatch, type ServerQuery } from '../model/input';
import type { Principal } from '../model/principal';
import type { McpServer, ServerAuth, ToolApproval, ToolApprovalState } from '../model/server';
import { authSecretId } from '../model/server';
import type { Cipher, Clock, Store } from '../ports';
import { resolveAuth, type PendingSecret } from '../rules/auth.rules';
import { checkAllowedTools, checkDescription, checkHttpUrl, checkName } from '../rules/server.rules';
import { checkToolHash, checkToolName, toolHash } from '../rules/tool-hash';
import { assertCanManage, assertOrganization, findAccessibleServer } from './access';
import { auditEvent, changedServerFields, createdServerFields } from './audit-trail';
import { untestedConnection } from './connection-reset';
import { assertCanAttachSecret, assertCanMoveCredentials, headerWriterOf, originOf } from './credential-access';
import { encryptHeaders, replaceHeaders } from './request-headers';
import { secretContext } from '../secrets/contexts';

export interface RegistryDeps {
  store: Store;
  cipher: Cipher;
  clock: Clock;
}

export interface NewToolApproval {
  toolName: string;
  toolDescription?: string | null;
  inputSchema?: unknown;
  /** Computed from the description and schema when absent. */
  toolHash?: string;
  state?: ToolApprovalState;
}

/** The use cases on MCP server records, one short method each, shared by both dialects. */
export class ServerRegistry {
  constructor(private readonly deps: RegistryDeps) {}

  async create(principal: Principal, input: NewServer): Promise<McpServer> {
    assertOrganization(principal, input.organizationId);
    const id = newServerId();
    const now = this.deps.clock.now();
    const createdAt = input.createdAt ?? now;
    const { auth, secrets } = this.resolveAuth(input.auth);
    const server: McpServer = {
      id,
      organizationId: input.organizationId,
      ownerId: principal.userId,
      type: input.type ?? 'custom',
      name: checkName(input.name),
      description: checkDescription(input.description ?? ''),
      url: checkHttpUrl(input.url),
      transport: input.transport,
      auth,
      requestHeaders: encryptHeaders(this.deps.cipher, id, input.requestHeaders ?? {}),
      headerWriters: Object.fromEntries(Object.keys(input.requestHeaders ?? {}).map((name) => [name.toLowerCase(), principal.userId])),
      toolPolicy: {
        enabled: input.enabled ?? true,
        allowedTools: checkAllowedTools(input.allowedTools ?? null),
        approvalPolicy: input.approvalPolicy ?? 'auto_approve_all',
      },
      toolApprovals: (input.toolApprovals ?? []).map(checkToolApproval),
      isActive: input.isActive ?? true,
      connection: { status: 'untested', lastTestedAt: null, lastConnectedAt: null, errorMessage: null, tools: null },
      createdAt,
      updatedAt: Math.max(createdAt, now),
      deletedAt: null,
    };
    // The server, its secrets and its audit event land together or not at all.
    await this.deps.store.transaction(async (tx) => {
      const attached = authSecretId(auth);
      if (attached !== null && secrets.length === 0) await assertCanAttachSecret(tx, principal, server.organizationId, attached, id);
      await this.storeSecrets(tx, principal, server, secrets);
      await tx.servers.insert(server);
      await tx.audit.append(
        auditEvent(principal, server.organizationId, now, {
          action: 'server.created',
          targetType: 'server',
          targetId: id,
          fields: createdServerFields(server),
        }),
      );
    });
    return server;
  }

  async list(principal: Principal, query: ServerQuery): Promise<{ items: McpServer[]; total: number }> {
    assertOrganization(principal, query.organizationId);
    return this.deps.store.servers.list(query);
  }

  get(principal: Principal, id: string): Promise<McpServer> {
    return findAccessibleServer(this.deps.store, principal, id);
  }

  update(principal: Principal, id: string, patch: ServerPatch): Promise<McpServer> {
    return this.mutate(principal, id, 'server.updated', async (current, tx) => {
      const next = this.applyPatch(principal, current, patch);
      const nextAuth = this.nextAuth(current, patch);
      if (nextAuth) {
        next.auth = nextAuth.auth;
        const attached = nextAuth.secrets.length === 0 ? authSecretId(nextAuth.auth) : null;
        // The same secret under another auth type goes somewhere else (an OAuth client secret
        // sent as a bearer token reaches the server, not the token URL): that is a new attachment.
        const alreadyAttached = current.auth.type === nextAuth.auth.type && authSecretId(current.auth) === attached;
        if (attached !== null && !alreadyAttached) await assertCanAttachSecret(tx, principal, current.organizationId, attached, current.id);
        await this.storeSecrets(tx, principal, next, nextAuth.secrets);
        await this.dropManagedSecret(tx, current, nextAuth.auth);
        // Another way to authenticate, or to consent (per user or not, another client): the consents given no longer apply.
        if (consentsLapse(current.auth, nextAuth.auth)) {
          for (const grant of await tx.oauth.grantsOfServer(current.id)) await tx.oauth.deleteGrant(grant.id);
        }
      }
      // Credentials kept across a move of origin follow the server there: the caller must
      // manage each of them. Credentials given in this same change are the caller's own.
      if (originOf(next.url) !== originOf(current.url)) {
        await assertCanMoveCredentials(tx, principal, next, { authGivenNow: nextAuth !== null && nextAuth.secrets.length > 0 });
      }
      if (changesWhatIsSent(current, next, nextAuth !== null)) next.connection = untestedConnection();
      return next;
    });
  }

  /** Adds or replaces the approval of one tool (one approval per tool name); inside `within`'s transaction when given. */
  addToolApproval(principal: Principal, id: string, input: NewToolApproval, within?: Store): Promise<{ server: McpServer; approval: ToolApproval }> {
    const approval = checkToolApproval({
      toolName: input.toolName,
      toolHash: input.toolHash ?? toolHash(input.toolDescription, input.inputSchema),
      state: input.state ?? 'requires_approval',
    });
    return this.mutate(
      principal,
      id,
      'tool_approval.set',
      async (current) => ({
        ...current,
        toolApprovals: [...current.toolApprovals.filter((a) => a.toolName !== approval.toolName), approval],
        updatedAt: this.deps.clock.now(),
      }),
      { tool: approval.toolName, state: approval.state },
      within,
    ).then((server) => ({ server, approval }));
  }

  removeToolApproval(principal: Principal, id: string, toolName: string): Promise<McpServer> {
    return this.mutate(
      principal,
      id,
      'tool_approval.removed',
      async (current) => {
        if (!current.toolApprovals.some((a) => a.toolName === toolName)) throw new NotFound('tool_approval', toolName);
        return { ...current, toolApprovals: current.toolApprovals.filter((a) => a.toolName !== toolName), updatedAt: this.deps.clock.now() };
      },
      { tool: toolName },
    );
  }

  /** Soft delete: the row stays for audit, its name is free again, its credentials are erased. */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.mutate(principal, id, 'server.deleted', async (current, tx) => {
      const now = this.deps.clock.now();
      await this.dropManagedSecret(tx, current, { type: 'none' });
      // A deleted server's OAuth tokens go with it (they are not revoked upstream: disconnect first for that).
      for (const grant of await tx.oauth.grantsOfServer(current.id)) await tx.oauth.deleteGrant(grant.id);
      return { ...current, requestHeaders: {}, headerWriters: {}, updatedAt: now, deletedAt: now };
    });
  }

  /** What validate-url reports: whether the URL is well-formed and already used in the organization. */
  async inspectUrl(principal: Principal, organizationId: string, url: string): Promise<{ formatValid: boolean; duplicates: number }> {
    assertOrganization(principal, organizationId);
    let normalised: string;
    try {
      normalised = checkHttpUrl(url);
    } catch {
      return { formatValid: false, duplicates: 0 };
    }
    return { formatValid: true, duplicates: await this.deps.store.servers.countWithUrl(organizationId, normalised) };
  }

  /**
   * Reads the server under a row lock, lets `change` produce the next state, and writes it in
   * the same transaction, so concurrent changes never interleave into a mix of both.
   */
  private mutate(
    principal: Principal,
    id: string,
    action: string,
    change: (current: McpServer, tx: Store) => Promise<McpServer>,
    detail: Record<string, string> = {},
    within: Store = this.deps.store,
  ): Promise<McpServer> {
    return within.transaction(async (tx) => {
      const current = await findAccessibleServer(tx, principal, id, { forUpdate: true });
      assertCanManage(principal, current);
      const next = await change(current, tx);
      await tx.servers.update(next);
      await tx.audit.append(
        auditEvent(principal, current.organizationId, this.deps.clock.now(), {
          action,
          targetType: 'server',
          targetId: id,
          fields: action === 'server.deleted' ? [] : changedServerFields(current, next),
          detail,
        }),
      );
      return next;
    });
  }

  private applyPatch(principal: Principal, current: McpServer, patch: ServerPatch): McpServer {
    const next: McpServer = { ...current, toolPolicy: { ...current.toolPolicy }, updatedAt: this.deps.clock.now() };
    if (patch.name !== undefined) next.name = checkName(patch.name);
    if (patch.description !== undefined) next.description = checkDescription(patch.description);
    if (patch.url !== undefined) next.url = checkHttpUrl(patch.url);
    if (patch.transport !== undefined) next.transport = patch.transport;
    if (patch.isActive !== undefined) next.isActive = patch.isActive;
    if (patch.enabled !== undefined) next.toolPolicy.enabled = patch.enabled;
    if (patch.allowedTools !== undefined) next.toolPolicy.allowedTools = checkAllowedTools(patch.allowedTools);
    if (patch.approvalPolicy !== undefined) next.toolPolicy.approvalPolicy = patch.approvalPolicy;
    if (patch.toolApprovals !== undefined) next.toolApprovals = patch.toolApprovals.map(checkToolApproval);
    if (patch.requestHeaders !== undefined) {
      next.requestHeaders = replaceHeaders(this.deps.cipher, current.id, current.requestHeaders, patch.requestHeaders);
      next.headerWriters = nextHeaderWriters(principal, current, patch.requestHeaders);
    }
    return next;
  }

  private nextAuth(current: McpServer, patch: ServerPatch): { auth: ServerAuth; secrets: PendingSecret[] } | null {
    if (patch.auth) return this.resolveAuth({ type: patch.auth.type ?? current.auth.type, credentials: patch.auth.credentials });
    if (patch.clearAuthOfType !== undefined && current.auth.type === patch.clearAuthOfType) return { auth: { type: 'none' }, secrets: [] };
    return null;
  }

  private resolveAuth(input: AuthInput) {
    return resolveAuth(input.type, input.credentials, newSecretId);
  }

  /** Inline credentials belong to the server and to the user who wrote them. */
  private async storeSecrets(tx: Store, principal: Principal, server: McpServer, secrets: PendingSecret[]): Promise<void> {
    const now = this.deps.clock.now();
    for (const secret of secrets) {
      await tx.secrets.insert({
        id: secret.id,
        organizationId: server.organizationId,
        name: `${secret.purpose} of ${server.id}`,
        ciphertext: this.deps.cipher.encrypt(secret.plaintext, secretContext(server.organizationId, secret.id)),
        managedBy: server.id,
        ownerId: principal.userId,
        createdAt: now,
        updatedAt: now,
      });
    }
  }

  /**
   * Erases the secret the server owned, unless the new auth still uses it. Shared secrets stay.
   * A server's own secret that another server still references (possible only in data written
   * before references to inline credentials were refused) is kept, as a secret of its owner,
   * so the other server keeps working and nobody can recreate the id to choose what it sends.
   */
  private async dropManagedSecret(tx: Store, server: McpServer, nextAuth: ServerAuth): Promise<void> {
    const secretId = authSecretId(server.auth);
    if (secretId === null || authSecretId(nextAuth) === secretId) return;
    const secret = await tx.secrets.findById(server.organizationId, secretId);
    if (secret?.managedBy !== server.id) return;
    const otherUsers = (await tx.servers.findUsingSecrets(server.organizationId, [secret.id])).filter((u) => u.id !== server.id);
    if (otherUsers.length > 0) await tx.secrets.update({ ...secret, managedBy: null, updatedAt: this.deps.clock.now() });
    else await tx.secrets.delete(server.organizationId, secret.id);
  }
}

function checkToolApproval(approval: ToolApproval): ToolApproval {
  return { toolName: checkToolName(approval.toolName), toolHash: checkToolHash(approval.toolHash), state: approval.state };
}

/** Whether a change alters where the server connects or what it sends there. */
function changesWhatIsSent(current: McpServer, next: McpServer, authChanged: boolean): boolean {
  return (
    authChanged ||
    next.url !== current.url ||
    next.transport !== current.transport ||
    JSON.stringify(next.requestHeaders) !== JSON.stringify(current.requestHeaders)
  );
}

/** A value sent back as the mask keeps its writer; every other value is the caller's. */
function nextHeaderWriters(principal: Principal, current: McpServer, headers: Record<string, string>): Record<string, string | null> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      const key = name.toLowerCase();
      return [key, value === REDACTED ? headerWriterOf(current, key) : principal.userId];
    }),
  );
}

/** Whether a change of auth ends the OAuth consents given for the server. */
function consentsLapse(before: ServerAuth, after: ServerAuth): boolean {
  if (before.type !== 'oauth' || before.grant !== 'authorization_code') return false;
  if (after.type !== 'oauth' || after.grant !== 'authorization_code') return true;
  return before.perUser !== after.perUser || before.clientId !== after.clientId;
}
