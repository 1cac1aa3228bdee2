import { z } from 'zod';
import { parseAllowlist, type Allowlist } from '../core/probe/address-rules';
import { parseEncryptionKey } from '../core/secrets/aes-gcm-cipher';
import { parseDatabaseUrl, type DatabaseTarget } from '../core/store/database';

/** A start-up refusal that names the variable at fault. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const booleanText = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Every variable the gateway reads; the README table and .env.example list exactly these. */
export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z.string().optional(),
  MCP_GATEWAY_ENCRYPTION_KEY: z.string().optional(),
  MCP_GATEWAY_SOURCE_ENCRYPTION_KEY: z.string().optional(),
  MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MCP_GATEWAY_DEMO: booleanText.default(true),
  MCP_GATEWAY_PROBE_TIMEOUT_MS: z.coerce.number().int().min(100).max(300000).default(10000),
  MCP_GATEWAY_PROBE_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
  MCP_GATEWAY_PROBE_CONCURRENCY_PER_ORG: z.coerce.number().int().min(1).max(1000).default(4),
  MCP_GATEWAY_PROBE_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(0).max(300000).default(5000),
  MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60000),
  MCP_GATEWAY_PROXY_CONCURRENCY: z.coerce.number().int().min(1).max(100_000).default(256),
  MCP_GATEWAY_PROXY_CONCURRENCY_PER_ORG: z.coerce.number().int().min(1).max(100_000).default(64),
  MCP_GATEWAY_PROXY_QUEUE_TIMEOUT_MS: z.coerce.number().int().min(0).max(300000).default(5000),
  MCP_GATEWAY_PROXY_IDLE_MS: z.coerce.number().int().min(1000).max(86_400_000).default(300000),
  MCP_GATEWAY_MCP_SESSION_IDLE_MS: z.coerce.number().int().min(1000).max(604_800_000).default(1800000),
  MCP_GATEWAY_APPROVAL_TTL_MS: z.coerce.number().int().min(1000).max(604_800_000).default(600000),
  MCP_GATEWAY_APPROVAL_ALLOW_SELF: booleanText.default(false),
  MCP_GATEWAY_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36500).optional(),
  MCP_GATEWAY_HEALTH_INTERVAL_S: z.coerce.number().int().min(0).max(86400).default(0),
  MCP_GATEWAY_HEALTH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  MCP_GATEWAY_PUBLIC_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u) && !/[?#]/.test(u), 'must be an http(s) URL without query or fragment, like https://gateway.example.com')
    .optional(),
  MCP_GATEWAY_ALLOWED_HOSTS: z.string().optional(),
  MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS: booleanText.default(false),
  MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).max(1_000_000_000).default(600),
  MCP_GATEWAY_CORS_ORIGINS: z.string().optional(),
  MCP_GATEWAY_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600000).default(10000),
  MCP_GATEWAY_TRUST_PROXY: booleanText.default(false),
  MCP_GATEWAY_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600000).default(5000),
  MCP_GATEWAY_METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,512}$/, 'must be 16 to 512 visible ASCII characters (openssl rand -hex 32)')
    .optional(),
  WORKERS: z.coerce.number().int().min(1).max(64).default(1),
});

export interface GatewayConfig {
  port: number;
  host: string;
  database: DatabaseTarget;
  /** Decoded MCP_GATEWAY_ENCRYPTION_KEY, or null to use the key file (SQLite only). */
  encryptionKey: Buffer | null;
  /** MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY: the old key while `secrets rekey` moves everything to the new one. */
  previousEncryptionKey: Buffer | null;
  /** MCP_GATEWAY_SOURCE_ENCRYPTION_KEY: the key a native backup was written under (import --rekey). */
  sourceEncryptionKey: Buffer | null;
  logLevel: z.infer<typeof configSchema>['LOG_LEVEL'];
  demo: boolean;
  probe: { timeoutMs: number; maxConcurrent: number; maxConcurrentPerOrganization: number; queueTimeoutMs: number };
  network: { allowlist: Allowlist; allowPrivateNetworks: boolean };
  /** The MCP endpoint's limits (README: Agents, limits). */
  proxy: { callTimeoutMs: number; maxConcurrent: number; maxConcurrentPerOrganization: number; queueTimeoutMs: number; idleMs: number; sessionIdleMs: number };
  /** Approval requests (README: Human approval of tool calls). */
  approvals: { ttlMs: number; allowSelfDecision: boolean };
  /** MCP_GATEWAY_AUDIT_RETENTION_DAYS; null keeps every event. */
  auditRetentionDays: number | null;
  /** MCP_GATEWAY_HEALTH_INTERVAL_S and MCP_GATEWAY_HEALTH_CONCURRENCY; null when background checks are off (0, the default). */
  health: { intervalMs: number; concurrency: number } | null;
  /** MCP_GATEWAY_PUBLIC_URL: the gateway's address as people reach it (decision links); null: the address each request came to. */
  publicUrl: string | null;
  /** Requests per key and minute; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** Origins allowed to call from a browser; empty: CORS stays off. */
  corsOrigins: string[];
  shutdownTimeoutMs: number;
  trustProxy: boolean;
  /** How long an idle keep-alive connection stays open (headers and request timeouts are fixed). */
  keepAliveTimeoutMs: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | null;
  workers: number;
}

/** Reads and checks the environment once; every later read goes through the returned object. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${String(issue.path[0])} is invalid: ${issue.message}`);
  }
  const values = parsed.data;
  const database = parseDatabaseUrl(values.DATABASE_URL);
  if (!database) throw new ConfigError('DATABASE_URL must be sqlite:<path> or postgres://user@host:port/database');
  let encryptionKey: Buffer | null = null;
  if (values.MCP_GATEWAY_ENCRYPTION_KEY !== undefined) {
    encryptionKey = parseEncryptionKey(values.MCP_GATEWAY_ENCRYPTION_KEY);
    if (!encryptionKey) throw new ConfigError('MCP_GATEWAY_ENCRYPTION_KEY must be the base64 encoding of exactly 32 bytes (openssl rand -base64 32)');
  }
  if (!encryptionKey && database.engine === 'postgres') {
    throw new ConfigError(
      'MCP_GATEWAY_ENCRYPTION_KEY is required with PostgreSQL: every instance must share one key, so none is generated. Create one with: openssl rand -base64 32',
    );
  }
  let previousEncryptionKey: Buffer | null = null;
  if (values.MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY !== undefined) {
    previousEncryptionKey = parseEncryptionKey(values.MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY);
    if (!previousEncryptionKey) throw new ConfigError('MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY must be the base64 encoding of exactly 32 bytes');
    if (!encryptionKey)
      throw new ConfigError('MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY is the old key of a rotation: set the new one in MCP_GATEWAY_ENCRYPTION_KEY');
    if (previousEncryptionKey.equals(encryptionKey)) throw new ConfigError('MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY is the same key as MCP_GATEWAY_ENCRYPTION_KEY');
  }
  let sourceEncryptionKey: Buffer | null = null;
  if (values.MCP_GATEWAY_SOURCE_ENCRYPTION_KEY !== undefined) {
    sourceEncryptionKey = parseEncryptionKey(values.MCP_GATEWAY_SOURCE_ENCRYPTION_KEY);
    if (!sourceEncryptionKey) throw new ConfigError('MCP_GATEWAY_SOURCE_ENCRYPTION_KEY must be the base64 encoding of exactly 32 bytes');
  }
  const allowlist = parseAllowlist(values.MCP_GATEWAY_ALLOWED_HOSTS);
  if ('error' in allowlist) throw new ConfigError(`MCP_GATEWAY_ALLOWED_HOSTS is invalid: ${allowlist.error}`);
  return {
    port: values.PORT,
    host: values.HOST,
    database,
    encryptionKey,
    previousEncryptionKey,
    sourceEncryptionKey,
    logLevel: values.LOG_LEVEL,
    demo: values.MCP_GATEWAY_DEMO,
    probe: {
      timeoutMs: values.MCP_GATEWAY_PROBE_TIMEOUT_MS,
      maxConcurrent: values.MCP_GATEWAY_PROBE_CONCURRENCY,
      maxConcurrentPerOrganization: values.MCP_GATEWAY_PROBE_CONCURRENCY_PER_ORG,
      queueTimeoutMs: values.MCP_GATEWAY_PROBE_QUEUE_TIMEOUT_MS,
    },
    network: { allowlist, allowPrivateNetworks: values.MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS },
    proxy: {
      callTimeoutMs: values.MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS,
      maxConcurrent: values.MCP_GATEWAY_PROXY_CONCURRENCY,
      maxConcurrentPerOrganization: values.MCP_GATEWAY_PROXY_CONCURRENCY_PER_ORG,
      queueTimeoutMs: values.MCP_GATEWAY_PROXY_QUEUE_TIMEOUT_MS,
      idleMs: values.MCP_GATEWAY_PROXY_IDLE_MS,
      sessionIdleMs: values.MCP_GATEWAY_MCP_SESSION_IDLE_MS,
    },
    approvals: { ttlMs: values.MCP_GATEWAY_APPROVAL_TTL_MS, allowSelfDecision: values.MCP_GATEWAY_APPROVAL_ALLOW_SELF },
    auditRetentionDays: values.MCP_GATEWAY_AUDIT_RETENTION_DAYS ?? null,
    health:
      values.MCP_GATEWAY_HEALTH_INTERVAL_S > 0
        ? { intervalMs: values.MCP_GATEWAY_HEALTH_INTERVAL_S * 1000, concurrency: values.MCP_GATEWAY_HEALTH_CONCURRENCY }
        : null,
    publicUrl: values.MCP_GATEWAY_PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    rateLimitPerMinute: values.MCP_GATEWAY_RATE_LIMIT_PER_MINUTE,
    corsOrigins: parseOrigins(values.MCP_GATEWAY_CORS_ORIGINS),
    shutdownTimeoutMs: values.MCP_GATEWAY_SHUTDOWN_TIMEOUT_MS,
    trustProxy: values.MCP_GATEWAY_TRUST_PROXY,
    keepAliveTimeoutMs: values.MCP_GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
    metricsToken: values.MCP_GATEWAY_METRICS_TOKEN ?? null,
    workers: values.WORKERS,
  };
}

function parseOrigins(text: string | undefined): string[] {
  const origins = (text ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let valid = false;
    try {
      const url = new URL(origin);
      valid = (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin.replace(/\/$/, '');
    } catch {
      valid = false;
    }
    if (!valid && origin !== '*') throw new ConfigError(`MCP_GATEWAY_CORS_ORIGINS is invalid: '${origin}' is not an origin like https://app.example.com`);
  }
  return origins;
}
