import type { GrantSource } from './upstream-target';
import { ServerInactive } from '../errors';
import type { Principal } from '../model/principal';
import { ConcurrencyLimit } from '../probe/concurrency-limit';
import type { NetworkGuard } from '../probe/network-guard';
import { OrganizationScope } from '../proxy/organization-scope';
import type { ProxyEvents, ProxySettings, ScopeDeps } from '../proxy/proxy-model';
import { ServerScope } from '../proxy/server-scope';
import { UpstreamPool, type PoolSettings } from '../proxy/upstream-pool';
import type { Cipher, Clock, Store } from '../ports';
import type { AgentReplies } from '../proxy/agent-replies';
import { AgentSessions, type AgentSessionRepository, type AgentSessionSettings } from '../proxy/agent-sessions';
import type { ApprovalDesk } from './approvals';
import type { AuditTrail } from './audit-trail';
import { assertOrganization, findAccessibleServer } from './access';

export interface McpProxyOptions extends ProxySettings, PoolSettings, AgentSessionSettings {
  /** Upstream requests in flight at once, in all, and for one organization. */
  maxConcurrent: number;
  maxConcurrentPerOrganization: number;
}

/** The most servers the organization endpoint aggregates. */
export const MAX_AGGREGATED_SERVERS = 500;

/**
 * The data plane's use cases: open a stored server, or every active server of an organization,
 * as agents see them through the gateway. Tenancy as everywhere: another organization's server
 * answers like one that does not exist; any member of the organization may use its servers.
 */
export class McpProxy {
  private readonly scopeDeps: ScopeDeps;
  readonly pool: UpstreamPool;
  /** 2025-era agents' sessions, in the database every instance shares. */
  readonly sessions: AgentSessions;
  /** Agents' answers to server-to-client requests, on their way to the call that asked. */
  readonly replies: AgentReplies;

  constructor(deps: {
    store: Store;
    cipher: Cipher;
    clock: Clock;
    guard: NetworkGuard;
    options: McpProxyOptions;
    events: ProxyEvents;
    sessions: AgentSessionRepository;
    replies: AgentReplies;
    approvals?: ApprovalDesk;
    audit?: AuditTrail;
    grants?: GrantSource;
  }) {
    const { options } = deps;
    this.pool = new UpstreamPool(deps.guard, options);
    this.sessions = new AgentSessions(deps.sessions, deps.clock, options);
    this.replies = deps.replies;
    this.scopeDeps = {
      store: deps.store,
      cipher: deps.cipher,
      clock: deps.clock,
      pool: this.pool,
      limit: new ConcurrencyLimit(options.maxConcurrent, Math.min(options.maxConcurrentPerOrganization, options.maxConcurrent)),
      settings: options,
      events: deps.events,
      approvals: deps.approvals,
      audit: deps.audit,
      grants: deps.grants,
    };
  }

  async server(principal: Principal, id: string): Promise<ServerScope> {
    const server = await findAccessibleServer(this.scopeDeps.store, principal, id);
    if (!server.isActive) throw new ServerInactive(id);
    return new ServerScope(this.scopeDeps, server, principal.userId);
  }

  async organization(principal: Principal, organizationId: string): Promise<OrganizationScope> {
    assertOrganization(principal, organizationId);
    const { items } = await this.scopeDeps.store.servers.list({ organizationId, isActive: true, limit: MAX_AGGREGATED_SERVERS });
    return new OrganizationScope(this.scopeDeps, organizationId, items, principal.userId);
  }

  /** MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS: also how long an agent has to answer what an upstream asks. */
  get callTimeoutMs(): number {
    return this.scopeDeps.settings.callTimeoutMs;
  }

  async close(): Promise<void> {
    await this.replies.close();
    await this.pool.closeAll();
  }
}
