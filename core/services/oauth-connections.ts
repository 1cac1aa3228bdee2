import { sha256Hex as sha256 } from '../digest';
import { randomBytes } from 'node:crypto';
import { InsufficientPermissions, NotFound, ServerInactive, UpstreamFailure, ValidationError } from '../errors';
import type { AuthorizationServerFacts, ConsentFlow, GrantClient, GrantSubject, OAuthGrant } from '../model/oauth';
import type { Principal } from '../model/principal';
import type { AuthChallenge, UpstreamGrant } from '../model/probe';
import type { McpServer } from '../model/server';
import { challengeOf, discover, loadOAuthSdk, metadataOf, type OAuthSdk, stepFailure } from '../oauth/discovery';
import { guardedHttp, type FetchLike } from '../probe/guarded-fetch';
import { ProbeFailure } from '../probe/probe-failure';
import { assertCanManage, findAccessibleServer } from './access';
import { auditEvent } from './audit-trail';
import { untestedConnection } from './connection-reset';
import { secretContext } from '../secrets/contexts';
import { newOAuthGrantId, newOAuthRegistrationId } from '../ids';
import { expiryOf, flowContext, oauthErrorCode, registrationContext, SCOPE_TOKENS, scopeUnion, tokenContext, tokenRequestDetail } from '../oauth/oauth-rules';
import { GrantTokens } from './oauth-grant-tokens';
import type { OAuthDeps, OAuthSettings } from '../oauth/oauth-settings';

export { DEFAULT_OAUTH, type OAuthDeps, type OAuthSettings } from '../oauth/oauth-settings';

export const OAUTH_CALLBACK_PATH = '/oauth/callback';
export const CLIENT_METADATA_PATH = '/oauth/client-metadata.json';

/** A consent started: where to send the person, and until when it can come back. */
export interface ConsentStarted {
  authorizationUrl: string;
  expiresAt: number;
  issuer: string;
  scope: string | null;
  subject: GrantSubject;
  clientSource: GrantClient['source'];
}

/** What someone may know of a server's OAuth connection (never a token). */
export interface ConnectionView {
  perUser: boolean;
  connected: boolean;
  status: 'not_connected' | 'active' | 'reconnect';
  statusReason: string | null;
  issuer: string | null;
  scope: string | null;
  neededScope: string | null;
  accessExpiresAt: number | null;
  connectedAt: number | null;
}

/** Why a callback was refused, as data; the callback page says it in words. */
export type CallbackRefusal =
  | { reason: 'missing_state' | 'unknown_state' | 'expired' | 'missing_code' | 'server_gone' | 'server_changed' }
  | { reason: 'issuer_mismatch'; expected: string }
  | { reason: 'denied'; error: string }
  | { reason: 'token_request'; detail: string };

/**
 * Whether a consent for `subject` still applies to the server as it now is: an organization's to
 * a server with no credentials or an organization-wide OAuth one; a user's to a per-user one.
 */
function consentFits(server: McpServer, subject: GrantSubject): boolean {
  const auth = server.auth;
  if (auth.type === 'none') return subject.kind === 'organization';
  if (auth.type !== 'oauth' || auth.grant !== 'authorization_code') return false;
  return auth.perUser === (subject.kind === 'user');
}

export class CallbackRefused extends Error {
  constructor(readonly refusal: CallbackRefusal) {
    super(`OAuth callback refused: ${refusal.reason}`);
    this.name = 'CallbackRefused';
  }
}

/** Consents under way kept per server and subject: starting more drops the oldest (its link stops working). */
export const MAX_PENDING_CONSENTS = 5;
/** Consent URLs the MCP endpoint remembers for reuse, across every server and user of the process. */
const MAX_OFFERED_CONSENTS = 10_000;

/**
 * The gateway as an OAuth client of upstream MCP servers (MCP authorization, 2025-06-18 on):
 * discovery, registration, the consent flow, and the tokens' life afterwards. Every outbound
 * request goes through the network guard; tokens are stored encrypted and sent only to the
 * resource they were granted for.
 */
export class OAuthConnections {
  /** The tokens' life after the consent: refresh, renewal, step-up, the end of a grant. */
  private readonly tokens: GrantTokens;
  /** Consents the MCP endpoint offered, per server and user, in the order offered. */
  private readonly offered = new Map<string, { url: string; stateHash: string; expiresAt: number }>();

  readonly settings: OAuthSettings;

  constructor(
    private readonly deps: OAuthDeps,
    settings: OAuthSettings,
  ) {
    // A refresh must end before its lease does, or a second refresher could send the same refresh token.
    this.settings = { ...settings, refreshLeaseMs: Math.max(settings.refreshLeaseMs, settings.timeoutMs + 5_000) };
    this.tokens = new GrantTokens(deps, this.settings, (organizationId, serverId, client) => this.clientInformation(organizationId, serverId, client));
  }

  get redirectUri(): string {
    return `${this.settings.publicUrl}${OAUTH_CALLBACK_PATH}`;
  }

  /** The Client ID Metadata Document URL: only an https address can be a client_id. */
  get clientMetadataUrl(): string | null {
    return this.settings.publicUrl.startsWith('https://') ? `${this.settings.publicUrl}${CLIENT_METADATA_PATH}` : null;
  }

  /** The document authorization servers fetch for the gateway's client_id, or null when the gateway has no https address. */
  clientMetadataDocument(): Record<string, unknown> | null {
    const url = this.clientMetadataUrl;
    if (url === null) return null;
    return {
      client_id: url,
      client_name: 'mcp-gateway',
      client_uri: this.settings.publicUrl,
      redirect_uris: [this.redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /**
   * Starts a consent for a server: the organization's (by someone who manages the server) or,
   * for a per-user server, the caller's own. A server with no credentials becomes an OAuth
   * server once the consent completes.
   */
  async connect(principal: Principal, serverId: string, options: { scope?: string | null } = {}): Promise<ConsentStarted> {
    const server = await findAccessibleServer(this.deps.store, principal, serverId);
    const subject = this.subjectFor(principal, server);
    if (!server.isActive) throw new ServerInactive(server.id);
    const scope = options.scope ?? null;
    if (scope !== null && scope.length > 1024) throw new ValidationError('scope', { rule: 'too_long', limit: 1024 });
    if (scope !== null && !SCOPE_TOKENS.test(scope)) {
      throw new ValidationError('scope', { rule: 'invalid', text: 'scope must be OAuth scope tokens separated by single spaces (RFC 6749 §3.3)' });
    }
    return this.begin(server, subject, principal, scope);
  }

  /** Who a principal connects for on this server, refusing what it may not do. */
  private subjectFor(principal: Principal, server: McpServer): GrantSubject {
    const auth = server.auth;
    if (auth.type !== 'none' && !(auth.type === 'oauth' && auth.grant === 'authorization_code')) {
      throw new ValidationError('auth.grantType', { rule: 'one_of', allowed: ['authorization_code'] });
    }
    if (auth.type === 'oauth' && auth.perUser) {
      if (principal.userId === null) throw new InsufficientPermissions('This server is connected per user, and this key acts for no user');
      return { kind: 'user', userId: principal.userId };
    }
    assertCanManage(principal, server);
    return { kind: 'organization' };
  }

  /**
   * Discovery, registration and the authorization URL (PKCE S256, state, resource). Also used
   * by the MCP endpoint to tell an unconnected user where to connect.
   */
  async begin(server: McpServer, subject: GrantSubject, startedBy: Principal | null, requestedScope: string | null): Promise<ConsentStarted> {
    const sdk = await loadOAuthSdk();
    const now = this.deps.clock.now();
    await this.deps.store.oauth.pruneFlows(now);
    const existing = await this.deps.store.oauth.findGrant(server.id, subject);
    const http = await guardedHttp(this.deps.guard, AbortSignal.timeout(this.settings.timeoutMs), this.settings.timeoutMs);
    try {
      let challenge = null;
      try {
        challenge = await challengeOf(sdk, http.fetch, server.url, server.transport);
      } catch (error) {
        throw stepFailure('challenge', error, http.failures);
      }
      const found = await discover(sdk, http.fetch, server.url, challenge, http.failures);
      const configured = server.auth.type === 'oauth' && server.auth.grant === 'authorization_code' ? server.auth.scope : null;
      // A step-up asks for everything granted so far plus what the server asked for.
      const scope = scopeUnion(requestedScope ?? configured ?? found.scope, existing?.scope, existing?.neededScope);
      const client = await this.clientFor(sdk, server, found.server, http.fetch);
      const state = randomBytes(32).toString('base64url');
      const { authorizationUrl, codeVerifier } = await sdk.startAuthorization(found.server.issuer, {
        metadata: metadataOf(found.server),
        clientInformation: { client_id: client.clientId },
        redirectUrl: this.redirectUri,
        scope: scope ?? undefined,
        state,
        resource: new URL(found.resource),
      });
      // A per-user consent must be the person's own decision: the authorization server asks them, even if they consented before.
      if (subject.kind === 'user') authorizationUrl.searchParams.set('prompt', 'consent');
      const stateHash = sha256(state);
      const flow: ConsentFlow = {
        stateHash,
        organizationId: server.organizationId,
        serverId: server.id,
        subject,
        startedByKeyId: startedBy?.keyId ?? null,
        startedByUserId: startedBy?.userId ?? null,
        client,
        server: found.server,
        codeVerifierCiphertext: this.deps.cipher.encrypt(codeVerifier, flowContext({ organizationId: server.organizationId, stateHash })),
        resource: found.resource,
        scope,
        redirectUri: this.redirectUri,
        createdAt: now,
        expiresAt: now + this.settings.flowTtlMs,
      };
      await this.deps.store.oauth.insertFlow(flow);
      await this.deps.store.oauth.keepNewestFlows(server.id, subject, MAX_PENDING_CONSENTS);
      return { authorizationUrl: authorizationUrl.href, expiresAt: flow.expiresAt, issuer: found.server.issuer, scope, subject, clientSource: client.source };
    } catch (error) {
      if (error instanceof ProbeFailure) throw new UpstreamFailure(error);
      throw error;
    } finally {
      await http.close().catch(() => undefined);
    }
  }

  /**
   * How the gateway is known to this authorization server, in the order the MCP authorization
   * spec recommends: a client an operator registered; its Client ID Metadata Document (when the
   * server supports them and the gateway has an https address); Dynamic Client Registration,
   * kept per organization and issuer and reused (another issuer is another registration).
   */
  private async clientFor(sdk: OAuthSdk, server: McpServer, facts: AuthorizationServerFacts, fetch: FetchLike): Promise<GrantClient> {
    const auth = server.auth;
    if (auth.type === 'oauth' && auth.grant === 'authorization_code' && auth.clientId !== null) {
      return { source: 'pre_registered', clientId: auth.clientId, registrationId: null };
    }
    const metadataUrl = this.clientMetadataUrl;
    if (facts.clientIdMetadataDocumentSupported && metadataUrl !== null) return { source: 'metadata_document', clientId: metadataUrl, registrationId: null };
    const org = server.organizationId;
    const known = await this.deps.store.oauth.findRegistration(org, facts.issuer, this.redirectUri);
    if (known) return { source: 'dynamic_registration', clientId: known.clientId, registrationId: known.id };
    if (facts.registrationEndpoint === null) {
      throw new ProbeFailure({
        kind: 'oauth_discovery',
        step: 'client_registration',
        detail:
          'the authorization server offers neither Client ID Metadata Documents (which need an https MCP_GATEWAY_PUBLIC_URL) nor dynamic registration; register a client there and give its client_id in the credentials',
      });
    }
    let registered: Awaited<ReturnType<OAuthSdk['registerClient']>>;
    try {
      registered = await sdk.registerClient(facts.issuer, {
        metadata: { ...metadataOf(facts), registration_endpoint: facts.registrationEndpoint },
        clientMetadata: {
          client_name: 'mcp-gateway',
          redirect_uris: [this.redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
          application_type: 'web',
        } as never,
        fetchFn: fetch,
      });
    } catch (error) {
      throw stepFailure('client_registration', error);
    }
    if (registered.client_id.length > 1024 || /[\u0000-\u001f\u007f-\u009f]/.test(registered.client_id)) {
      throw new ProbeFailure({ kind: 'oauth_discovery', step: 'client_registration', detail: 'the registration answered an unusable client_id' });
    }
    const authMethod = registered.token_endpoint_auth_method;
    const id = newOAuthRegistrationId();
    const row = {
      id,
      organizationId: org,
      issuer: facts.issuer,
      redirectUri: this.redirectUri,
      clientId: registered.client_id,
      clientSecretCiphertext: registered.client_secret ? this.deps.cipher.encrypt(registered.client_secret, registrationContext(org, id)) : null,
      tokenEndpointAuthMethod: authMethod && authMethod.length <= 64 ? authMethod : null,
      createdAt: this.deps.clock.now(),
    };
    // Two first consents at once: the registration that landed first is the one kept.
    if (!(await this.deps.store.oauth.insertRegistration(row))) {
      const winner = await this.deps.store.oauth.findRegistration(org, facts.issuer, this.redirectUri);
      if (winner) return { source: 'dynamic_registration', clientId: winner.clientId, registrationId: winner.id };
    }
    return { source: 'dynamic_registration', clientId: row.clientId, registrationId: id };
  }

  /** The client's credentials as the token endpoint wants them (a secret only for a confidential client). */
  async clientInformation(
    organizationId: string,
    serverId: string,
    client: GrantClient,
  ): Promise<{ client_id: string; client_secret?: string; token_endpoint_auth_method?: string }> {
    if (client.source === 'metadata_document') return { client_id: client.clientId };
    if (client.source === 'dynamic_registration') {
      const registration = client.registrationId === null ? null : await this.registrationById(organizationId, client);
      if (!registration?.clientSecretCiphertext) return { client_id: client.clientId };
      const secret = this.deps.cipher.decrypt(registration.clientSecretCiphertext, registrationContext(organizationId, registration.id));
      return {
        client_id: client.clientId,
        client_secret: secret,
        ...(registration.tokenEndpointAuthMethod ? { token_endpoint_auth_method: registration.tokenEndpointAuthMethod } : {}),
      };
    }
    const server = await this.deps.store.servers.findById(serverId);
    const secretId = server && server.auth.type === 'oauth' && server.auth.grant === 'authorization_code' ? (server.auth.secretId ?? null) : null;
    if (secretId === null) return { client_id: client.clientId };
    const secret = await this.deps.store.secrets.findById(organizationId, secretId);
    if (!secret) throw new ProbeFailure({ kind: 'secret_missing', secretId });
    return { client_id: client.clientId, client_secret: this.deps.cipher.decrypt(secret.ciphertext, secretContext(organizationId, secretId)) };
  }

  private async registrationById(organizationId: string, client: GrantClient) {
    const registration = await this.deps.store.oauth.findRegistrationById(client.registrationId ?? '');
    return registration && registration.organizationId === organizationId ? registration : null;
  }

  /**
   * Whose account a per-user consent connects, for the page that asks the person to confirm it
   * before anything is used: a consent link someone forwarded would otherwise connect the
   * opener's account to the sender's gateway user. Null for anything else (an organization's
   * consent, an unknown or expired state): the callback answers those directly.
   */
  async pendingUserConsent(state: string | undefined): Promise<{ userId: string; serverName: string; issuer: string } | null> {
    if (!state) return null;
    const flow = await this.deps.store.oauth.findFlow(sha256(state));
    if (flow?.subject.kind !== 'user' || flow.expiresAt < this.deps.clock.now()) return null;
    const server = await this.deps.store.servers.findById(flow.serverId);
    if (!server) return null;
    return { userId: flow.subject.userId, serverName: server.name, issuer: flow.server.issuer };
  }

  /**
   * The authorization server sent the person back. `state` must name a flow this gateway
   * started (used once, in time), `iss` must be the issuer the flow went to (RFC 9207: required
   * when the server says it sends it), and only then is the code redeemed, with the PKCE
   * verifier and the resource.
   */
  async complete(query: { state?: string; code?: string; iss?: string; error?: string }): Promise<{ serverName: string; subject: GrantSubject }> {
    if (!query.state) throw new CallbackRefused({ reason: 'missing_state' });
    const flow = await this.deps.store.oauth.takeFlow(sha256(query.state));
    if (!flow) throw new CallbackRefused({ reason: 'unknown_state' });
    const now = this.deps.clock.now();
    if (flow.expiresAt < now) throw new CallbackRefused({ reason: 'expired' });
    if (query.iss !== undefined ? query.iss !== flow.server.issuer : flow.server.issParameterSupported) {
      await this.recordConnect(flow, 'refused', { reason: 'issuer_mismatch' });
      throw new CallbackRefused({ reason: 'issuer_mismatch', expected: flow.server.issuer });
    }
    if (query.error !== undefined) {
      const error = oauthErrorCode(query.error);
      await this.recordConnect(flow, 'refused', { reason: 'denied', error });
      throw new CallbackRefused({ reason: 'denied', error });
    }
    if (!query.code) throw new CallbackRefused({ reason: 'missing_code' });
    const server = await this.deps.store.servers.findById(flow.serverId);
    if (!server || server.organizationId !== flow.organizationId) throw new CallbackRefused({ reason: 'server_gone' });
    const sdk = await loadOAuthSdk();
    const http = await guardedHttp(this.deps.guard, AbortSignal.timeout(this.settings.timeoutMs), this.settings.timeoutMs);
    let tokens: Awaited<ReturnType<OAuthSdk['exchangeAuthorization']>>;
    try {
      tokens = await sdk.exchangeAuthorization(flow.server.issuer, {
        metadata: metadataOf(flow.server),
        clientInformation: await this.clientInformation(flow.organizationId, flow.serverId, flow.client),
        authorizationCode: query.code,
        iss: query.iss,
        codeVerifier: this.deps.cipher.decrypt(flow.codeVerifierCiphertext, flowContext(flow)),
        redirectUri: flow.redirectUri,
        resource: new URL(flow.resource),
        fetchFn: http.fetch,
      });
    } catch (error) {
      const detail = tokenRequestDetail(error, http.failures);
      await this.recordConnect(flow, 'failed', { reason: 'token_request' });
      throw new CallbackRefused({ reason: 'token_request', detail });
    } finally {
      await http.close().catch(() => undefined);
    }
    const grant: OAuthGrant = {
      id: newOAuthGrantId(),
      organizationId: flow.organizationId,
      serverId: flow.serverId,
      subject: flow.subject,
      client: flow.client,
      server: flow.server,
      resource: flow.resource,
      scope: tokens.scope ?? flow.scope,
      accessTokenCiphertext: '',
      refreshTokenCiphertext: null,
      accessExpiresAt: expiryOf(tokens.expires_in, now),
      accessIssuedAt: now,
      status: 'active',
      statusReason: null,
      neededScope: null,
      version: 0,
      refreshingUntil: null,
      connectedAt: now,
      connectedByUserId: flow.startedByUserId,
      updatedAt: now,
    };
    grant.accessTokenCiphertext = this.deps.cipher.encrypt(tokens.access_token, tokenContext(grant, 'access'));
    if (tokens.refresh_token) grant.refreshTokenCiphertext = this.deps.cipher.encrypt(tokens.refresh_token, tokenContext(grant, 'refresh'));
    await this.deps.store.transaction(async (tx) => {
      const current = await tx.servers.findById(flow.serverId, { forUpdate: true });
      // The server was deleted, or now authenticates another way, while the person consented: nothing is kept.
      if (!current || !consentFits(current, flow.subject)) throw new CallbackRefused({ reason: 'server_changed' });
      await tx.oauth.saveGrant(grant);
      // A server that met a challenge with no credentials is an OAuth server from now on.
      if (current.auth.type === 'none' && flow.subject.kind === 'organization') {
        await tx.servers.update({
          ...current,
          auth: { type: 'oauth', grant: 'authorization_code', perUser: false, clientId: null, scope: null },
          connection: untestedConnection(),
          updatedAt: now,
        });
      } else if (flow.subject.kind === 'organization') {
        await tx.servers.updateConnection(current.id, untestedConnection());
      }
      await tx.audit.append(this.connectEvent(flow, 'ok', { scope: grant.scope, client: flow.client.source }));
    });
    return { serverName: server.name, subject: flow.subject };
  }

  private connectEvent(flow: ConsentFlow, outcome: string, detail: Record<string, string | null>) {
    const actor =
      flow.startedByKeyId === null
        ? null
        : { keyId: flow.startedByKeyId, userId: flow.startedByUserId, organizationIds: [], role: 'member' as const, dialect: 'oauth' };
    return auditEvent(actor, flow.organizationId, this.deps.clock.now(), {
      action: 'oauth.connect',
      targetType: 'server',
      targetId: flow.serverId,
      outcome,
      detail: { subject: flow.subject.kind, issuer: flow.server.issuer, ...detail },
    });
  }

  private async recordConnect(flow: ConsentFlow, outcome: string, detail: Record<string, string | null>): Promise<void> {
    await this.deps.store.transaction((tx) => tx.audit.append(this.connectEvent(flow, outcome, detail)));
  }

  /**
   * What a connection test says of a server that wants OAuth consent: where to consent
   * (discovery from the challenge, or the well-known fallback), or the discovery step that fails.
   */
  async consentFailure(server: McpServer, challenge: AuthChallenge | null): Promise<ProbeFailure> {
    const perUser = server.auth.type === 'oauth' && server.auth.grant === 'authorization_code' && server.auth.perUser;
    const sdk = await loadOAuthSdk();
    const http = await guardedHttp(this.deps.guard, AbortSignal.timeout(this.settings.timeoutMs), this.settings.timeoutMs);
    try {
      let asked = challenge;
      if (asked === null) {
        try {
          asked = await challengeOf(sdk, http.fetch, server.url, server.transport);
        } catch (error) {
          throw stepFailure('challenge', error, http.failures);
        }
      }
      const found = await discover(sdk, http.fetch, server.url, asked, http.failures);
      return new ProbeFailure({ kind: 'oauth_consent_required', issuer: found.server.issuer, perUser });
    } catch (error) {
      return error instanceof ProbeFailure ? error : stepFailure('protected_resource_metadata', error, http.failures);
    } finally {
      await http.close().catch(() => undefined);
    }
  }

  /**
   * For the MCP endpoint: a consent for the calling user of a per-user server, as the URL to open.
   * A consent already started for them that has more than a minute left is offered again, so an
   * agent retrying (or listing an organization's tools) does not start one per message.
   */
  async consentUrlFor(server: McpServer, principal: Principal): Promise<string> {
    if (principal.userId === null) throw new InsufficientPermissions('This key acts for no user');
    const key = JSON.stringify([server.id, principal.userId]);
    const offered = this.offered.get(key);
    if (offered && offered.expiresAt - this.deps.clock.now() > 60_000 && (await this.deps.store.oauth.findFlow(offered.stateHash))) return offered.url;
    const started = await this.begin(server, { kind: 'user', userId: principal.userId }, principal, null);
    const stateHash = sha256(new URL(started.authorizationUrl).searchParams.get('state') ?? '');
    this.offered.delete(key);
    this.offered.set(key, { url: started.authorizationUrl, stateHash, expiresAt: started.expiresAt });
    // Bounded: the oldest offer goes first.
    if (this.offered.size > MAX_OFFERED_CONSENTS) this.offered.delete(this.offered.keys().next().value as string);
    return started.authorizationUrl;
  }

  /** The caller's view of the server's connection: its own for a per-user server, the organization's otherwise. */
  async status(principal: Principal, serverId: string): Promise<ConnectionView> {
    const server = await findAccessibleServer(this.deps.store, principal, serverId);
    const perUser = server.auth.type === 'oauth' && server.auth.grant === 'authorization_code' && server.auth.perUser;
    const subject: GrantSubject | null = perUser ? (principal.userId === null ? null : { kind: 'user', userId: principal.userId }) : { kind: 'organization' };
    const grant = subject === null ? null : await this.deps.store.oauth.findGrant(server.id, subject);
    if (!grant) {
      return {
        perUser,
        connected: false,
        status: 'not_connected',
        statusReason: null,
        issuer: null,
        scope: null,
        neededScope: null,
        accessExpiresAt: null,
        connectedAt: null,
      };
    }
    return {
      perUser,
      connected: grant.status === 'active',
      status: grant.status === 'active' ? 'active' : 'reconnect',
      statusReason: grant.statusReason,
      issuer: grant.server.issuer,
      scope: grant.scope,
      neededScope: grant.neededScope,
      accessExpiresAt: grant.accessExpiresAt,
      connectedAt: grant.connectedAt,
    };
  }

  /**
   * Ends a connection: revoked at the authorization server when it offers revocation
   * (RFC 7009; the refresh token, which ends the grant, then the access token), then deleted.
   * A revocation that fails does not keep the tokens: they are deleted all the same, and the
   * audit event says the revocation failed.
   */
  async disconnect(principal: Principal, serverId: string): Promise<{ revoked: boolean }> {
    const server = await findAccessibleServer(this.deps.store, principal, serverId);
    const subject = this.subjectFor(principal, server);
    const grant = await this.deps.store.oauth.findGrant(server.id, subject);
    if (!grant) throw new NotFound('oauth_connection', server.id);
    const revoked = await this.revoke(grant);
    await this.deps.store.transaction(async (tx) => {
      await tx.oauth.deleteGrant(grant.id);
      if (subject.kind === 'organization') await tx.servers.updateConnection(server.id, untestedConnection());
      await tx.audit.append(
        auditEvent(principal, server.organizationId, this.deps.clock.now(), {
          action: 'oauth.disconnect',
          targetType: 'server',
          targetId: server.id,
          detail: { subject: subject.kind, issuer: grant.server.issuer, revoked: revoked === null ? 'unsupported' : String(revoked) },
        }),
      );
    });
    return { revoked: revoked === true };
  }

  /** True when revoked, false when the server refused or failed, null when it offers no revocation. */
  private async revoke(grant: OAuthGrant): Promise<boolean | null> {
    const endpoint = grant.server.revocationEndpoint;
    if (endpoint === null) return null;
    const http = await guardedHttp(this.deps.guard, AbortSignal.timeout(this.settings.timeoutMs), this.settings.timeoutMs);
    try {
      const client = await this.clientInformation(grant.organizationId, grant.serverId, grant.client);
      const tokens: Array<[string, string]> = [];
      if (grant.refreshTokenCiphertext) tokens.push([this.deps.cipher.decrypt(grant.refreshTokenCiphertext, tokenContext(grant, 'refresh')), 'refresh_token']);
      tokens.push([this.tokens.tokenOf(grant, 'access'), 'access_token']);
      let all = true;
      for (const [token, hint] of tokens) {
        const form = new URLSearchParams({ token, token_type_hint: hint });
        const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
        if (client.client_secret !== undefined) {
          headers.Authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`;
        } else form.set('client_id', client.client_id);
        const response = await http.fetch(endpoint, { method: 'POST', headers, body: form.toString(), redirect: 'manual' });
        await response.body?.cancel().catch(() => undefined);
        if (!response.ok) all = false;
      }
      return all;
    } catch {
      return false;
    } finally {
      await http.close().catch(() => undefined);
    }
  }

  /**
   * The grant an OAuth server's connection uses for this caller: the organization's, or the
   * user's own on a per-user server. Throws the `auth` failure that says what to do when there
   * is none, it was revoked, or the server moved since it was granted.
   */
  async grantFor(server: McpServer, userId: string | null): Promise<UpstreamGrant> {
    const auth = server.auth;
    if (auth.type !== 'oauth' || auth.grant !== 'authorization_code') throw new Error('grantFor: not an authorization-code server');
    const subject: GrantSubject | null = auth.perUser ? (userId === null ? null : { kind: 'user', userId }) : { kind: 'organization' };
    const grant = subject === null ? null : await this.deps.store.oauth.findGrant(server.id, subject);
    if (!grant) throw new ProbeFailure({ kind: 'oauth_consent_required', issuer: null, perUser: auth.perUser });
    if (grant.status !== 'active') throw new ProbeFailure({ kind: 'oauth_reconnect', why: grant.statusReason ?? 'it was revoked' });
    const sdk = await loadOAuthSdk();
    const resource = sdk.resourceUrlFromServerUrl(server.url).href;
    if (!sdk.checkResourceAllowed({ requestedResource: resource, configuredResource: grant.resource })) {
      throw new ProbeFailure({ kind: 'oauth_reconnect', why: "the server's URL changed since it was connected" });
    }
    return this.tokens.handle(grant);
  }
}
