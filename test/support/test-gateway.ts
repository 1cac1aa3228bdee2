import type { Clock } from '../../core/ports';
import type { OAuthSettings } from '../../core/services/oauth-connections';
import type { Server } from 'node:http';
import type { Express } from 'express';
import supertest from 'supertest';
import type { Role } from '../../core/model/principal';
import { parseAllowlist, type Allowlist } from '../../core/probe/address-rules';
import type { Resolver } from '../../core/probe/network-guard';
import { assembleGateway } from '../../server/assemble';
import { randomEncryptionKey, type GatewayServices } from '../../server/gateway';
import type { HttpTimeouts } from '../../server/http/http-server';
import { createLogger } from '../../server/logger';
import { AITRONOS_KEY_FORMAT } from '../../adapters/aitronos/aitronos.keys';
import { ZUDU_KEY_FORMAT } from '../../adapters/zudu/zudu.keys';
import { cli } from './cli';
import { lineSink } from './log-lines';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestGateway {
  app: Express;
  /** The HTTP server `http` talks to, listening on 127.0.0.1, as `serve` sets it up. */
  server: Server;
  http: ReturnType<typeof supertest>;
  services: GatewayServices;
  database: TestDatabase;
  /** Every log line written so far. */
  logs: string[];
  /** This gateway's encryption key, as MCP_GATEWAY_ENCRYPTION_KEY would hold it. */
  encryptionKeyBase64: string;
  /** Runs the command line in-process against this gateway's database and key. */
  cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  aitronosKey(options: { orgs: string[]; role?: Role; userId?: string }): Promise<{ key: string; id: string; userId: string | null }>;
  /** A Zudu key pair for one organization, as request headers (an admin with a new user unless told). */
  zuduKey(org: string, options?: { role?: Role; userId?: string }): Promise<{ headers: Record<string, string>; id: string; userId: string }>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  /** MCP_GATEWAY_ALLOWED_HOSTS for this gateway; none by default, as in production. */
  allowedHosts?: string;
  allowPrivateNetworks?: boolean;
  probeTimeoutMs?: number;
  maxConcurrentProbes?: number;
  /** MCP_GATEWAY_PROBE_CONCURRENCY_PER_ORG; every organization may use all slots unless told. */
  maxConcurrentProbesPerOrg?: number;
  /** MCP_GATEWAY_PROBE_QUEUE_TIMEOUT_MS; the probe timeout unless told. */
  probeQueueTimeoutMs?: number;
  /** Off (0) unless a test is about the rate limit. */
  rateLimitPerMinute?: number;
  corsOrigins?: string[];
  /** MCP_GATEWAY_TRUST_PROXY. */
  trustProxy?: boolean;
  /** Count per-key limits where `serve` does: in the database on PostgreSQL (memory on SQLite). */
  sharedRateLimitStore?: boolean;
  /** The HTTP server's timeouts (serve's defaults unless a test is about them). */
  httpTimeouts?: Partial<HttpTimeouts>;
  /** MCP_GATEWAY_METRICS_TOKEN. */
  metricsToken?: string;
  /** The MCP endpoint's limits (MCP_GATEWAY_PROXY_*). */
  proxy?: {
    callTimeoutMs?: number;
    maxConcurrent?: number;
    maxConcurrentPerOrganization?: number;
    queueTimeoutMs?: number;
    idleMs?: number;
    sessionIdleMs?: number;
  };
  /** MCP_GATEWAY_APPROVAL_TTL_MS and MCP_GATEWAY_APPROVAL_ALLOW_SELF. */
  approvals?: { ttlMs?: number; allowSelfDecision?: boolean };
  /** MCP_GATEWAY_PUBLIC_URL. */
  publicUrl?: string;
  /** prom-client's process metrics (CPU, memory, GC); off unless a test reads them. */
  processMetrics?: boolean;
  /** The gateway's clock (tests move it forward); the system clock by default. */
  clock?: Clock;
  /** OAuth timings (refresh skew, lease, flow lifetime). */
  oauth?: Partial<Omit<OAuthSettings, 'publicUrl'>>;
  /** MCP_GATEWAY_HEALTH_INTERVAL_S (as ms) and MCP_GATEWAY_HEALTH_CONCURRENCY: built, not started, unless given. */
  health?: { intervalMs: number; concurrency: number };
  /** Host names the test resolves, and how; every other name fails to resolve. */
  dns?: Record<string, string[] | (() => string[])>;
}

/** Tests never ask real DNS, so no test can send traffic off this machine. */
function testResolver(dns: TestGatewayOptions['dns'] = {}): Resolver {
  return async (hostname) => {
    const entry = dns[hostname];
    if (!entry) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return typeof entry === 'function' ? entry() : entry;
  };
}

/**
 * The real application over a real database of its own, with response validation on, so
 * every response a test receives has also been checked against the contract.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const database = await createTestDatabase();
  const { lines: logs, stream } = lineSink();
  const logger = createLogger('debug', stream);
  const encryptionKey = randomEncryptionKey();
  const { services, app, server } = await assembleGateway({
    database: database.target,
    encryptionKey,
    logger,
    probe: {
      timeoutMs: options.probeTimeoutMs ?? 5000,
      maxConcurrent: options.maxConcurrentProbes ?? 16,
      maxConcurrentPerOrganization: options.maxConcurrentProbesPerOrg,
      queueTimeoutMs: options.probeQueueTimeoutMs,
    },
    network: { allowlist: parseAllowlist(options.allowedHosts ?? '') as Allowlist, allowPrivateNetworks: options.allowPrivateNetworks ?? false },
    resolver: testResolver(options.dns),
    rateLimitPerMinute: options.rateLimitPerMinute ?? 0,
    sharedRateLimits: options.sharedRateLimitStore ?? false,
    corsOrigins: options.corsOrigins,
    trustProxy: options.trustProxy,
    metricsToken: options.metricsToken,
    validateResponses: true,
    httpTimeouts: options.httpTimeouts,
    proxy: options.proxy,
    approvals: options.approvals,
    clock: options.clock,
    // Process-wide observers outlive a test file's gateway (and keep its modules in memory): only the tests of those metrics turn them on.
    processMetrics: options.processMetrics ?? false,
    publicUrl: options.publicUrl ?? null,
    oauth: options.oauth,
    health: options.health ?? null,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    app,
    server,
    http: supertest(server),
    services,
    database,
    logs,
    encryptionKeyBase64: encryptionKey.toString('base64'),
    cli: (...argv) => cli(database.url, encryptionKey.toString('base64'), ...argv),
    async aitronosKey({ orgs, role, userId }) {
      const issued = await services.apiKeys.issue({ format: AITRONOS_KEY_FORMAT, organizationIds: orgs, role, userId });
      return { key: issued.apiKey, id: issued.record.id, userId: issued.record.userId };
    },
    async zuduKey(org, { role, userId } = {}) {
      const issued = await services.apiKeys.issue({ format: ZUDU_KEY_FORMAT, organizationIds: [org], role, userId });
      return { headers: { 'X-API-KEY': issued.apiKey, 'X-API-SECRET': issued.apiSecret! }, id: issued.record.id, userId: issued.record.userId };
    },
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await closed;
      await services.close();
      await database.drop();
    },
  };
}
