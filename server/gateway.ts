import { hkdfSync, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { parseAllowlist, type Allowlist } from '../core/probe/address-rules';
import { McpProbe, type ProbeOutcome, type ProbeSettings } from '../core/probe/mcp-probe';
import { NetworkGuard, systemResolver, type BlockedDestination, type NetworkPolicy, type Resolver } from '../core/probe/network-guard';
import { KeyRingCipher } from '../core/secrets/key-ring';
import { AesGcmCipher } from '../core/secrets/aes-gcm-cipher';
import { loadOrCreateKeyFile } from '../core/secrets/key-file';
import { systemClock, type Clock } from '../core/ports';
import { ConsoleSessions } from '../core/services/console-sessions';
import { HealthChecks } from '../core/services/health-checks';
import { RegistryTokens } from '../core/services/registry-tokens';
import { KnexRegistryTokenStore } from '../core/store/registry-tokens.knex-store';
import { KnexHealthLeaseStore } from '../core/store/health-leases.knex-store';
import { ApiKeyService } from '../core/services/api-keys';
import { ConnectionTester } from '../core/services/connection-tester';
import { Exporter } from '../core/services/exporter';
import { Importer } from '../core/services/importer';
import { NativeRestore } from '../core/services/native-restore';
import { SecretVault } from '../core/services/secret-vault';
import { McpProxy, type McpProxyOptions } from '../core/services/mcp-proxy';
import { ApprovalDesk, type ApprovalSettings } from '../core/services/approvals';
import { AuditTrail } from '../core/services/audit-trail';
import { DEFAULT_OAUTH, OAuthConnections, type OAuthSettings } from '../core/services/oauth-connections';
import type { ProxyEvents } from '../core/proxy/proxy-model';
import { ServerRegistry } from '../core/services/server-registry';
import { migrateToLatest, openDatabase, type Database, type DatabaseTarget } from '../core/store/database';
import { verifyEncryptionKey } from '../core/store/encryption-key-check';
import { KnexStore } from '../core/store/knex-store';
import { KnexAgentSessionStore } from '../core/store/agent-sessions.knex-store';
import { KnexConsoleSessionStore } from '../core/store/console-sessions.knex-store';
import { PostgresAgentReplies } from '../core/store/agent-replies.postgres';
import { StoredAgentReplies } from '../core/store/agent-replies.knex-store';
import { RelayIds } from '../core/proxy/agent-replies';
import { PostgresKeyChangeWatch, SqliteKeyChangeWatch } from '../core/store/key-changes';
import type { HealthLeaseRepository, KeyChangeWatch } from '../core/ports';
import { ConfigError } from './config';

export interface GatewayServices {
  db: Database;
  store: KnexStore;
  registry: ServerRegistry;
  secrets: SecretVault;
  apiKeys: ApiKeyService;
  connections: ConnectionTester;
  probe: McpProbe;
  /** The MCP endpoint's use cases (the data plane). */
  proxy: McpProxy;
  /** Held tool calls and their decisions. */
  approvals: ApprovalDesk;
  /** Reading, checking, exporting and pruning the audit trail. */
  audit: AuditTrail;
  /** Consent, tokens and refresh of OAuth upstreams. */
  oauth: OAuthConnections;
  /** The operator console's sign-in sessions. */
  consoleSessions: ConsoleSessions;
  /** Read tokens of the organizations' MCP registries. */
  registryTokens: RegistryTokens;
  /** Background health checks when MCP_GATEWAY_HEALTH_INTERVAL_S is set (serve starts them). */
  health: HealthChecks | null;
  /** Every active server's stored connection state, for the health metrics. */
  healthLeases: HealthLeaseRepository;
  importer: Importer;
  restore: NativeRestore;
  exporter: Exporter;
  close(): Promise<void>;
}

export interface GatewayOptions {
  database: DatabaseTarget;
  encryptionKey: Buffer | null;
  /** The key before the current one, during a rotation: values under either are read. */
  previousEncryptionKey?: Buffer | null;
  logger: Logger;
  clock?: Clock;
  /** Defaults: 10 s probes, 16 at once and 4 per organization, 5 s for a slot; no private destinations. */
  probe?: ProbeSettings;
  network?: NetworkPolicy;
  /** DNS for outbound connections; tests replace it. */
  resolver?: Resolver;
  /** Told every probe's outcome (metrics). */
  onProbe?: (outcome: ProbeOutcome) => void;
  /** The MCP endpoint's limits; defaults in DEFAULT_PROXY. */
  proxy?: Partial<Omit<McpProxyOptions, 'connectTimeoutMs' | 'maxConnections' | 'aggregateFanOut'>>;
  /** Told every proxied call and every tool definition change (logs, metrics). */
  proxyEvents?: ProxyEvents;
  /** Approval requests: how long they wait, whether a key may decide its own (defaults in DEFAULT_APPROVALS). */
  approvals?: Partial<ApprovalSettings>;
  /** MCP_GATEWAY_AUDIT_RETENTION_DAYS (null: keep everything). */
  auditRetentionDays?: number | null;
  /** Background health checks (built, not started: `serve` starts them); null or absent: off. */
  health?: { intervalMs: number; concurrency: number } | null;
  /** MCP_GATEWAY_PUBLIC_URL: OAuth redirects and the client metadata document live under it. */
  publicUrl?: string | null;
  /** PORT: without a public URL, OAuth consents come back to http://localhost:PORT. */
  port?: number;
  /** OAuth timings (tests shorten them); defaults in DEFAULT_OAUTH. */
  oauth?: Partial<Omit<OAuthSettings, 'publicUrl'>>;
}

export const DEFAULT_APPROVALS: ApprovalSettings = { ttlMs: 600_000, allowSelfDecision: false };

export const DEFAULT_PROXY = {
  callTimeoutMs: 60000,
  maxConcurrent: 256,
  maxConcurrentPerOrganization: 64,
  queueTimeoutMs: 5000,
  idleMs: 300000,
  sessionIdleMs: 1800000,
};
const NO_PROXY_EVENTS: ProxyEvents = { call: () => undefined, toolChanged: () => undefined };

export const DEFAULT_PROBE: ProbeSettings = { timeoutMs: 10000, maxConcurrent: 16, maxConcurrentPerOrganization: 4, queueTimeoutMs: 5000 };
const NO_ALLOWLIST = parseAllowlist('') as Allowlist;

/**
 * The composition root's core half: opens the database, brings its schema up to date, settles
 * the encryption key, and builds the services every entry point (HTTP, CLI) shares.
 */
export async function openGateway(options: GatewayOptions): Promise<GatewayServices> {
  const db = openDatabase(options.database);
  let keyChanges: KeyChangeWatch | null = null;
  try {
    await migrateToLatest(db.knex);
    const key = resolveKey(options);
    const cipher = options.previousEncryptionKey ? new KeyRingCipher(key, options.previousEncryptionKey) : new AesGcmCipher(key);
    await verifyEncryptionKey(db.knex, cipher);
    const clock = options.clock ?? systemClock;
    const store = new KnexStore(db.knex, db.target.engine, db.reader());
    // The resolved address goes to the operator's log only; callers are told the rule.
    const logRefusal = (r: BlockedDestination) =>
      options.logger.warn({ host: r.host, address: r.address, rule: r.rule }, 'probe refused an outbound connection');
    const guard = new NetworkGuard(options.network ?? { allowlist: NO_ALLOWLIST, allowPrivateNetworks: false }, options.resolver ?? systemResolver, logRefusal);
    const probe = new McpProbe(guard, options.probe ?? DEFAULT_PROBE, options.onProbe);
    const registry = new ServerRegistry({ store, cipher, clock });
    const probeSettings = options.probe ?? DEFAULT_PROBE;
    const relayError = (error: Error) => options.logger.warn({ err: { message: error.message } }, 'agent reply relay');
    keyChanges = await watchKeyChanges(db, (error) => options.logger.warn({ err: { message: error.message } }, 'key change listener'));
    // Between processes: PostgreSQL notifies; several WORKERS on one SQLite file look every 250 ms.
    // Relay ids are signed with a key derived from the encryption key, which every instance shares.
    const relayIds = new RelayIds(Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'mcp-gateway agent relay ids', 32)));
    const replies =
      db.target.engine === 'postgres'
        ? new PostgresAgentReplies(db.knex, db.target.url, cipher, relayIds, relayError)
        : new StoredAgentReplies(db.knex, cipher, relayIds, relayError, 250);
    const approvals = new ApprovalDesk({ store, cipher, clock, registry }, { ...DEFAULT_APPROVALS, ...options.approvals });
    const audit = new AuditTrail({ store, clock, retentionDays: options.auditRetentionDays ?? null });
    const oauth = new OAuthConnections(
      { store, cipher, clock, guard },
      { ...DEFAULT_OAUTH, ...options.oauth, publicUrl: options.publicUrl ?? `http://localhost:${options.port ?? 8080}` },
    );
    const proxy = new McpProxy({
      store,
      cipher,
      clock,
      guard,
      approvals,
      audit,
      grants: oauth,
      sessions: new KnexAgentSessionStore(db.knex),
      replies,
      events: options.proxyEvents ?? NO_PROXY_EVENTS,
      // Connecting takes no longer than a connection test may; 8 servers listed at once for the organization endpoint.
      options: { ...DEFAULT_PROXY, ...options.proxy, connectTimeoutMs: probeSettings.timeoutMs, maxConnections: 1000, aggregateFanOut: 8 },
    });
    const apiKeys = new ApiKeyService({ store, clock, keyChanges: keyChanges ?? undefined });
    const connections = new ConnectionTester({ store, cipher, clock, probe, oauth });
    const healthLeases = new KnexHealthLeaseStore(db.knex);
    const health = options.health
      ? new HealthChecks(
          {
            leases: healthLeases,
            tester: connections,
            clock,
            onError: (error) => options.logger.warn({ err: { message: error.message } }, 'background health check'),
          },
          { ...options.health, batch: 200 },
        )
      : null;
    return {
      db,
      store,
      registry,
      secrets: new SecretVault({ store, cipher, clock }),
      apiKeys,
      consoleSessions: new ConsoleSessions({ repository: new KnexConsoleSessionStore(db.knex), apiKeys, clock }),
      connections,
      registryTokens: new RegistryTokens({ repository: new KnexRegistryTokenStore(db.knex), clock }),
      health,
      healthLeases,
      probe,
      proxy,
      approvals,
      audit,
      oauth,
      importer: new Importer({ store, cipher, clock, registry }),
      restore: new NativeRestore({ store, cipher, clock }),
      exporter: new Exporter({ store, cipher, clock }),
      close: async () => {
        await health?.stop();
        await proxy.close();
        await keyChanges?.close();
        await db.close();
      },
    };
  } catch (error) {
    await keyChanges?.close();
    await db.close();
    throw error;
  }
}

/** What tells this process that a stored key changed, so verified keys can be kept in memory. */
async function watchKeyChanges(db: Database, onError: (error: Error) => void): Promise<KeyChangeWatch | null> {
  if (db.target.engine === 'postgres') {
    const watch = new PostgresKeyChangeWatch(db.target.url, onError);
    await watch.start();
    return watch;
  }
  const reader = db.reader();
  return reader === null ? null : new SqliteKeyChangeWatch(reader);
}

function resolveKey(options: GatewayOptions): Buffer {
  if (options.encryptionKey) return options.encryptionKey;
  if (options.database.engine !== 'sqlite') {
    throw new ConfigError('MCP_GATEWAY_ENCRYPTION_KEY is required with PostgreSQL');
  }
  const path = `${options.database.filename}.key`;
  const { key, created } = loadOrCreateKeyFile(path);
  if (created) options.logger.warn({ keyFile: path }, 'created a new encryption key file beside the database; back it up with the database');
  return key;
}

/** A fresh random key, for tests and throwaway databases. */
export const randomEncryptionKey = () => randomBytes(32);
