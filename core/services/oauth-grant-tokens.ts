import type { GrantClient, OAuthGrant } from '../model/oauth';
import type { UpstreamGrant } from '../model/probe';
import { loadOAuthSdk, metadataOf, type OAuthSdk } from '../oauth/discovery';
import { expiryOf, scopeUnion, tokenContext, tokenRequestDetail } from '../oauth/oauth-rules';
import { guardedHttp } from '../probe/guarded-fetch';
import { ProbeFailure } from '../probe/probe-failure';
import { auditEvent } from './audit-trail';
import type { OAuthDeps, OAuthSettings } from '../oauth/oauth-settings';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The client credentials the token endpoint wants for a grant's client. */
export type ClientInformationOf = (
  organizationId: string,
  serverId: string,
  client: GrantClient,
) => Promise<{ client_id: string; client_secret?: string; token_endpoint_auth_method?: string }>;

/**
 * A grant's tokens after the consent: the current access token, refreshed before it expires and
 * renewed after a 401, one refresh at a time across processes (a lease on the grant row); a
 * step-up's scopes; the end of a grant the authorization server revoked.
 */
export class GrantTokens {
  /** Refreshes under way in this process, per grant: callers share one instead of racing. */
  private readonly refreshing = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: OAuthDeps,
    private readonly settings: OAuthSettings,
    private readonly clientInformation: ClientInformationOf,
  ) {}

  /** What a connection holds of a grant: tokens on demand, never the grant's row. */
  handle(grant: OAuthGrant): UpstreamGrant {
    return {
      id: grant.id,
      resource: grant.resource,
      token: () => this.accessToken(grant.id, null),
      renew: (rejected) => this.accessToken(grant.id, rejected),
      insufficientScope: (scope) => this.stepUpNeeded(grant.id, scope),
      refused: (token) => this.refusedAfterRenewal(grant.id, token),
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
  tokenOf(grant: OAuthGrant, which: 'access' | 'refresh'): string {
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
    let http: Awaited<ReturnType<typeof guardedHttp>> | null = null;
    let tokens: Awaited<ReturnType<OAuthSdk['refreshAuthorization']>>;
    try {
      http = await guardedHttp(this.deps.guard, AbortSignal.timeout(this.settings.timeoutMs), this.settings.timeoutMs);
      tokens = await sdk.refreshAuthorization(grant.server.issuer, {
        metadata: metadataOf(grant.server),
        clientInformation: await this.clientInformation(grant.organizationId, grant.serverId, grant.client),
        refreshToken: this.tokenOf(grant, 'refresh'),
        resource: new URL(grant.resource),
        fetchFn: http.fetch,
      });
    } catch (error) {
      // Tokens that no longer decrypt are not coming back: a new consent is the way out.
      if (error instanceof ProbeFailure && error.reason.kind === 'oauth_reconnect') return this.endGrant(grant, error.reason.why);
      const code = (error as { code?: unknown }).code;
      if (error instanceof sdk.OAuthError && (code === 'invalid_grant' || code === 'unauthorized_client' || code === 'invalid_client')) {
        return this.endGrant(grant, `the authorization server refused the refresh token (${code})`);
      }
      // A network or server failure: the grant stays, the lease is freed, the next use tries again.
      await this.deps.store.oauth.finishRefresh(grant.id, grant.version, { updatedAt: this.deps.clock.now() });
      const detail = tokenRequestDetail(error, http?.failures ?? []);
      await this.recordRefreshFailure(grant, 'failed', detail);
      throw new ProbeFailure({ kind: 'oauth_refresh_failed', detail });
    } finally {
      await http?.close().catch(() => undefined);
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

  /** A renewed token the upstream still refuses: the grant ends (once), so calls stop refreshing it. */
  private async refusedAfterRenewal(grantId: string, token: string): Promise<void> {
    const grant = await this.deps.store.oauth.findGrantById(grantId);
    if (grant?.status !== 'active' || this.tokenOf(grant, 'access') !== token) return;
    await this.endGrant(grant, 'the server refused a freshly refreshed access token').catch(() => undefined);
  }

  /** The upstream wants more scope: the next consent asks for what was granted plus this. */
  private async stepUpNeeded(grantId: string, scope: string | null): Promise<void> {
    const grant = await this.deps.store.oauth.findGrantById(grantId);
    if (!grant) return;
    // Not a versioned write: a refresh under way must still land.
    await this.deps.store.oauth.addNeededScope(grant.id, scope ?? '', scopeUnion);
  }
}
