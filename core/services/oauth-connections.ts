import { createHash, randomBytes } from 'node:crypto';
import { InsufficientPermissions, NotFound, ServerInactive, UpstreamFailure, ValidationError } from '../errors';
import type { AuthorizationServerFacts, ConsentFlow, GrantClient, GrantSubject, OAuthGrant } from '../model/oauth';
import type { Principal } from '../model/principal';
import type { AuthChallenge, UpstreamGrant } from '../model/probe';
import type { McpServer } from '../model/server';
import { challengeOf, discover, loadOAuthSdk, metadataOf, type OAuthSdk, stepFailure } from '../oauth/discovery';
import { guardedHttp, type FetchLike } from '../probe/guarded-fetch';
import type { NetworkGuard } from '../probe/network-guard';
import { ProbeFailure } from '../probe/probe-failure';
import type { Cipher, Clock, Store } from '../ports';
import { assertCanManage, findAccessibleServer } from './access';
import { auditEvent } from './audit-trail';
import { untestedConnection } from './connection-reset';
import { secretContext } from './secret-context';
import { newOAuthGrantId, newOAuthRegistrationId } from '../ids';

export const OAUTH_CALLBACK_PATH = '/oauth/callback';
export const CLIENT_METADATA_PATH = '/oauth/client-metadata.json';

export interface OAuthSettings {
  /** Where people and authorization servers reach the gateway (MCP_GATEWAY_PUBLIC_URL): the redirect URI and the client metadata document live under it. */
  publicUrl: string;
  /** How long a started consent may take to come back. */
  flowTtlMs: number;
  /** Each outbound OAuth request (discovery, registration, token, revocation). */
  timeoutMs: number;
  /** An access token this close to its expiry is refreshed before it is used. */
  refreshSkewMs: number;
  /** How long one refresher holds a grant before others may take over. */
  refreshLeaseMs: number;
}

export const DEFAULT_OAUTH: Omit<OAuthSettings, 'publicUrl'> = { flowTtlMs: 600_000, timeoutMs: 10_000, refreshSkewMs: 60_000, refreshLeaseMs: 15_000 };

export interface OAuthDeps {
  store: Store;
  cipher: Cipher;
  clock: Clock;
  guard: NetworkGuard;
}

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

/** A server a consent applies to: one with no credentials, or one marked for the authorization-code grant. */
function consentable(server: McpServer): boolean {
  return server.auth.type === 'none' || (server.auth.type === 'oauth' && server.auth.grant === 'authorization_code');
}

export class CallbackRefused extends Error {
  constructor(readonly refusal: CallbackRefusal) {
    super(`OAuth callback refused: ${refusal.reason}`);
    this.name = 'CallbackRefused';
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const tokenContext = (grant: Pick<OAuthGrant, 'organizationId' | 'id'>, which: 'access' | 'refresh') =>
  `oauth-grant/${grant.organizationId}/${grant.id}/${which}`;
const flowContext = (flow: Pick<ConsentFlow, 'organizationId' | 'stateHash'>) => `oauth-flow/${flow.organizationId}/${flow.stateHash}`;
const registrationContext = (organizationId: string, id: string) => `oauth-client/${organizationId}/${id}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The longest access-token lifetime believed; a longer, negative or non-numeric `expires_in` counts as unknown. */
const MAX_TOKEN_LIFETIME_MS = 366 * 24 * 3_600_000;
/** Consents under way kept per server and subject: starting more drops the oldest (its link stops working). */
export const MAX_PENDING_CONSENTS = 5;

/** When a token that lives `expiresIn` seconds from `now` expires, or null when the answer says nothing believable. */
function expiryOf(expiresIn: unknown, now: number): number | null {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) return null;
  const ms = Math.round(expiresIn * 1000);
  return ms > MAX_TOKEN_LIFETIME_MS ? null : now + ms;
}

/**
 * What a failed token request may say: the OAuth error code, or the gateway's own words for a
 * network failure. Never the authorization server's description: it may echo the code, the
 * verifier or the refresh token the gateway just sent.
 */
function tokenRequestDetail(error: unknown, related: unknown[]): string {
  const code = (error as { code?: unknown }).code;
  if (error instanceof Error && error.name === 'OAuthError' && typeof code === 'string' && /^[\x20-\x7e]{1,64}$/.test(code)) {
    return `the authorization server answered ${code}`;
  }
  const failure = stepFailure('token_request', error, related);
  const known = failure.reason.kind === 'oauth_discovery' ? null : failure.message;
  return known ?? "the authorization server's answer could not be used";
}

/** Space-separated scopes, each once, in the order first seen. */
export function scopeUnion(...scopes: Array<string | null | undefined>): string | null {
  const all = [...new Set(scopes.flatMap((s) => (s ? s.split(/\s+/).filter(Boolean) : [])))];
  return all.length ? all.join(' ') : null;
}

/**
 * The gateway as an OAuth client of upstream MCP servers (MCP authorization, 2025-06-18 on):
 * discovery, registration, the consent flow, and the tokens' life afterwards. Every outbound
 * request goes through the network guard; tokens are stored encrypted and sent only to the
 * resource they were granted for.
 */
export class OAuthConnections {
  /** Refreshes under way in this process, per grant: callers share one instead of racing. */
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: OAuthDeps,
    readonly settings: OAuthSettings,
  ) {}

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
    // RFC 6749 §3.3: scope tokens of printable ASCII except space, double quote and backslash, separated by spaces.
    if (scope !== null && !/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(scope)) {
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
    const id = newOAuthRegistrationId();
    const row = {
      id,
      organizationId: org,
      issuer: facts.issuer,
      redirectUri: this.redirectUri,
      clientId: registered.client_id,
      clientSecretCiphertext: registered.client_secret ? this.deps.cipher.encrypt(registered.client_secret, registrationContext(org, id)) : null,
      tokenEndpointAuthMethod: registered.token_endpoint_auth_method ?? null,
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
  private async clientInformation(
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
      const error = query.error.replace(/[^\x20-\x7e]/g, '').slice(0, 100);
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
      if (!current || !consentable(current)) throw new CallbackRefused({ reason: 'server_changed' });
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

  /** For the MCP endpoint: a consent for the calling user of a per-user server, as the URL to open. */
  async consentUrlFor(server: McpServer, principal: Principal): Promise<string> {
    if (principal.userId === null) throw new InsufficientPermissions('This key acts for no user');
    return (await this.begin(server, { kind: 'user', userId: principal.userId }, principal, null)).authorizationUrl;
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
      tokens.push([this.tokenOf(grant, 'access'), 'access_token']);
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
    return {
      id: grant.id,
      resource: grant.resource,
      token: () => this.accessToken(grant.id, null),
      renew: (rejected) => this.accessToken(grant.id, rejected),
      insufficientScope: (scope) => this.stepUpNeeded(grant.id, scope),
    };
  }

  /** The grant's access token, refreshed first when it is about to expire or the upstream refused it (`rejected`). */
  private async accessToken(grantId: string, rejected: string | null): Promise<string> {
    const grant = await this.liveGrant(grantId);
    const token = this.tokenOf(grant, 'access');
    if (token !== rejected && !this.expiring(grant)) return token;
    const key = `${grantId}:${grant.version}`;
    let shared = this.refreshing.get(key);
    if (!shared) {
      shared = this.refreshSerialized(grantId, rejected, grant.version).finally(() => this.refreshing.delete(key));
      this.refreshing.set(key, shared);
    }
    return shared;
  }

  /** A token of the grant in plaintext; one that does not decrypt (another key, another row's ciphertext) asks for a reconnect. */
  private tokenOf(grant: OAuthGrant, which: 'access' | 'refresh'): string {
    const ciphertext = which === 'access' ? grant.accessTokenCiphertext : grant.refreshTokenCiphertext;
    try {
      return this.deps.cipher.decrypt(ciphertext ?? '', tokenContext(grant, which));
    } catch {
      throw new ProbeFailure({ kind: 'oauth_reconnect', why: 'its stored tokens cannot be decrypted with the current key' });
    }
  }

  /** Within the refresh margin of its expiry: the configured margin, or half the token's life for a short-lived one. */
  private expiring(grant: OAuthGrant): boolean {
    if (grant.accessExpiresAt === null) return false;
    const margin = Math.min(this.settings.refreshSkewMs, (grant.accessExpiresAt - grant.accessIssuedAt) / 2);
    return grant.accessExpiresAt - this.deps.clock.now() <= margin;
  }

  private async liveGrant(grantId: string): Promise<OAuthGrant> {
    const grant = await this.deps.store.oauth.findGrantById(grantId);
    if (!grant) throw new ProbeFailure({ kind: 'oauth_reconnect', why: 'the connection was removed' });
    if (grant.status !== 'active') throw new ProbeFailure({ kind: 'oauth_reconnect', why: grant.statusReason ?? 'it was revoked' });
    return grant;
  }

  /**
   * One refresh at a time per grant, across instances: a refresher takes the grant's lease
   * (a conditional update on its version), the others wait for the new version and use its
   * token. With refresh-token rotation, two refreshes with the same refresh token would make
   * the authorization server revoke the whole grant; this never sends one twice.
   */
  private async refreshSerialized(grantId: string, rejected: string | null, seenVersion: number): Promise<string> {
    const giveUpAt = this.deps.clock.now() + this.settings.refreshLeaseMs + this.settings.timeoutMs;
    for (;;) {
      const grant = await this.liveGrant(grantId);
      const token = this.tokenOf(grant, 'access');
      // Another refresher got there first: its token is the one to use, however soon it is due again.
      if (token !== rejected && (grant.version !== seenVersion || !this.expiring(grant))) return token;
      const now = this.deps.clock.now();
      if (grant.refreshTokenCiphertext === null) {
        return this.endGrant(grant, 'the access token expired and the authorization server gave no refresh token');
      }
      if (await this.deps.store.oauth.claimRefresh(grant.id, grant.version, now, now + this.settings.refreshLeaseMs)) return this.refresh(grant);
      if (now > giveUpAt) throw new ProbeFailure({ kind: 'oauth_refresh_failed', detail: 'another refresh of this grant did not finish in time' });
      await sleep(100);
    }
  }

  private async refresh(grant: OAuthGrant): Promise<string> {
    const sdk = await loadOAuthSdk();
    const http = await guardedHttp(this.deps.guard, AbortSignal.timeout(this.settings.timeoutMs), this.settings.timeoutMs);
    let tokens: Awaited<ReturnType<OAuthSdk['refreshAuthorization']>>;
    try {
      tokens = await sdk.refreshAuthorization(grant.server.issuer, {
        metadata: metadataOf(grant.server),
        clientInformation: await this.clientInformation(grant.organizationId, grant.serverId, grant.client),
        refreshToken: this.tokenOf(grant, 'refresh'),
        resource: new URL(grant.resource),
        fetchFn: http.fetch,
      });
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (error instanceof sdk.OAuthError && (code === 'invalid_grant' || code === 'unauthorized_client' || code === 'invalid_client')) {
        return this.endGrant(grant, `the authorization server refused the refresh token (${code})`);
      }
      // A network or server failure: the grant stays, the lease is freed, the next use tries again.
      await this.deps.store.oauth.finishRefresh(grant.id, grant.version, { updatedAt: this.deps.clock.now() });
      const detail = tokenRequestDetail(error, http.failures);
      await this.recordRefreshFailure(grant, 'failed', detail);
      throw new ProbeFailure({ kind: 'oauth_refresh_failed', detail });
    } finally {
      await http.close().catch(() => undefined);
    }
    const now = this.deps.clock.now();
    await this.deps.store.oauth.finishRefresh(grant.id, grant.version, {
      accessTokenCiphertext: this.deps.cipher.encrypt(tokens.access_token, tokenContext(grant, 'access')),
      // Without a new refresh token the old one stays valid (no rotation).
      ...(tokens.refresh_token ? { refreshTokenCiphertext: this.deps.cipher.encrypt(tokens.refresh_token, tokenContext(grant, 'refresh')) } : {}),
      accessExpiresAt: expiryOf(tokens.expires_in, now),
      accessIssuedAt: now,
      scope: tokens.scope ?? grant.scope,
      updatedAt: now,
    });
    return tokens.access_token;
  }

  /** The grant is gone at the authorization server: it says "reconnect" from now on, and the event is audited. */
  private async endGrant(grant: OAuthGrant, why: string): Promise<never> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      await tx.oauth.finishRefresh(grant.id, grant.version, { status: 'reconnect', statusReason: why, updatedAt: now });
      if (grant.subject.kind === 'organization') {
        const failure = new ProbeFailure({ kind: 'oauth_reconnect', why });
        await tx.servers.updateConnection(grant.serverId, {
          status: 'failed',
          lastTestedAt: now,
          lastConnectedAt: (await tx.servers.findById(grant.serverId))?.connection.lastConnectedAt ?? null,
          errorMessage: `${failure.failureClass}: ${failure.message}`,
          tools: null,
        });
      }
      await tx.audit.append(this.refreshEvent(grant, 'revoked', why));
    });
    throw new ProbeFailure({ kind: 'oauth_reconnect', why });
  }

  private refreshEvent(grant: OAuthGrant, outcome: string, why: string) {
    return auditEvent(null, grant.organizationId, this.deps.clock.now(), {
      action: 'oauth.refresh',
      targetType: 'server',
      targetId: grant.serverId,
      outcome,
      detail: { subject: grant.subject.kind, user: grant.subject.kind === 'user' ? grant.subject.userId : null, issuer: grant.server.issuer, why },
    });
  }

  private async recordRefreshFailure(grant: OAuthGrant, outcome: string, why: string): Promise<void> {
    await this.deps.store.transaction((tx) => tx.audit.append(this.refreshEvent(grant, outcome, why)));
  }

  /** The upstream wants more scope: the next consent asks for what was granted plus this. */
  private async stepUpNeeded(grantId: string, scope: string | null): Promise<void> {
    const grant = await this.deps.store.oauth.findGrantById(grantId);
    if (!grant) return;
    // Not a versioned write: a refresh under way must still land.
    await this.deps.store.oauth.addNeededScope(grant.id, scope ?? '', scopeUnion);
  }
}
