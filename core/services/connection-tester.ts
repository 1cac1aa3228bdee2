import type { Principal } from '../model/principal';
import type { McpServer, Transport } from '../model/server';
import type { AuthChallenge, ProbeOutcome, ProbeTarget } from '../model/probe';
import { failedOutcome, ProbeFailure, storedFailureText } from '../probe/probe-failure';
import type { Cipher, Clock, ConnectionProbe, Store } from '../ports';
import { checkHttpUrl } from '../rules/server.rules';
import { findAccessibleServer } from './access';
import { connectionFingerprint, type GrantSource, upstreamTarget } from './upstream-target';

export interface ConnectionTesterDeps {
  store: Store;
  cipher: Cipher;
  clock: Clock;
  probe: ConnectionProbe;
  /** OAuth grants and discovery (absent: OAuth servers cannot be tested). */
  oauth?: GrantSource & { consentFailure(server: McpServer, challenge: AuthChallenge | null): Promise<ProbeFailure> };
}

/** Live connection tests: one probe for both dialects, its outcome stored on the record. */
export class ConnectionTester {
  constructor(private readonly deps: ConnectionTesterDeps) {}

  /**
   * Probes a stored server and records the outcome. Any member of the organization may test.
   * The outcome is stored only if the configuration is still the one tested (see record); the
   * caller gets the live outcome either way, with the server as it now stands.
   */
  async test(principal: Principal, id: string): Promise<{ server: McpServer; outcome: ProbeOutcome; stored: boolean }> {
    const server = await findAccessibleServer(this.deps.store, principal, id);
    const tested = await connectionFingerprint(this.deps.store, server);
    // Probe outside any transaction: a slow server must not hold a pooled connection.
    const outcome = await this.probeServer(server, principal.userId);
    // A test that never started says nothing about the server.
    if (outcome.failure?.reason.kind === 'busy') return { server, outcome, stored: false };
    return this.record(server, tested, outcome);
  }

  /**
   * The background check of a stored server: the same probe, timeout and stored outcome as a
   * manual test, acting for no user. Null when the server is gone, inactive, or connected per
   * user (each user's own grant; a check for nobody would only report that consent is missing).
   */
  async testInBackground(id: string): Promise<{ server: McpServer; outcome: ProbeOutcome; stored: boolean } | null> {
    const server = await this.deps.store.servers.findById(id);
    if (!server || server.deletedAt !== null || !server.isActive) return null;
    if (server.auth.type === 'oauth' && server.auth.grant === 'authorization_code' && server.auth.perUser) return null;
    const tested = await connectionFingerprint(this.deps.store, server);
    const outcome = await this.probeServer(server, null);
    if (outcome.failure?.reason.kind === 'busy') return { server, outcome, stored: false };
    return this.record(server, tested, outcome);
  }

  /** validate-url's connectivity check: an unauthenticated handshake, Streamable HTTP first, then SSE. */
  async checkUrl(url: string, organizationId = ''): Promise<ProbeOutcome> {
    const target = (transport: Transport): ProbeTarget => ({ organizationId, url: checkHttpUrl(url), transport, headers: {}, oauth: null, secrets: [] });
    const streamable = await this.deps.probe.probe(target('streamable_http'));
    if (streamable.success || streamable.failureClass !== 'protocol') return streamable;
    const sse = await this.deps.probe.probe(target('sse'));
    return sse.success ? sse : streamable;
  }

  /**
   * Stores the outcome, atomically, only when the row still has the URL, transport, auth and
   * request headers it was tested with, and its secret the same ciphertext (a rotation changes
   * the credential): a test that started before an edit must not describe the edited record.
   */
  private record(server: McpServer, tested: string, outcome: ProbeOutcome): Promise<{ server: McpServer; outcome: ProbeOutcome; stored: boolean }> {
    const id = server.id;
    return this.deps.store.transaction(async (tx) => {
      // Locked until the transaction ends, so no edit or rotation lands between the check and the write.
      const current = await tx.servers.findById(id, { forUpdate: true });
      // Deleted meanwhile: nothing to store on.
      if (!current) return { server, outcome, stored: false };
      if ((await connectionFingerprint(tx, current)) !== tested) return { server: current, outcome, stored: false };
      const now = this.deps.clock.now();
      const connection = {
        status: outcome.success ? ('connected' as const) : ('failed' as const),
        lastTestedAt: now,
        lastConnectedAt: outcome.success ? now : current.connection.lastConnectedAt,
        errorMessage: outcome.failure ? storedFailureText(outcome.failure) : null,
        tools: outcome.success ? outcome.tools : current.connection.tools,
      };
      await tx.servers.updateConnection(id, connection);
      return { server: { ...current, connection }, outcome, stored: true };
    });
  }

  private async probeServer(server: McpServer, userId: string | null): Promise<ProbeOutcome> {
    let target: ProbeTarget;
    try {
      target = await upstreamTarget({ ...this.deps, grants: this.deps.oauth }, server, userId);
    } catch (error) {
      if (!(error instanceof ProbeFailure)) throw error;
      // Not connected yet: discovery names the authorization server to consent at.
      if (error.reason.kind === 'oauth_consent_required' && this.deps.oauth) return failedOutcome(await this.deps.oauth.consentFailure(server, null), 0);
      return failedOutcome(error, 0);
    }
    const outcome = await this.deps.probe.probe(target);
    // A server without credentials that answers with a Bearer challenge wants OAuth consent: discovery says where, or which step fails.
    const reason = outcome.failure?.reason;
    if (reason?.kind === 'credentials_refused' && reason.challenge && server.auth.type === 'none' && this.deps.oauth) {
      return failedOutcome(await this.deps.oauth.consentFailure(server, reason.challenge), outcome.latencyMs);
    }
    return outcome;
  }
}
