import type { OAuthConnections } from '../core/services/oauth-connections';
import cors from 'cors';
import express, { type Express } from 'express';
import type { Knex } from 'knex';
import { migrationsAreCurrent } from '../core/store/database';
import type { Logger } from 'pino';
import { plainErrorBody } from '../adapters/operations/operations.errors';
import type { GatewayInterface, InterfaceContext, OperationsContext } from '../adapters/shared/gateway-interface';
import type { ApprovalDesk } from '../core/services/approvals';
import type { AuditTrail } from '../core/services/audit-trail';
import { REQUEST_BODY_LIMIT_BYTES } from '../adapters/shared/openapi';
import type { ApiKeyService } from '../core/services/api-keys';
import type { ConsoleSessions } from '../core/services/console-sessions';
import type { RegistryTokens } from '../core/services/registry-tokens';
import type { ConnectionTester } from '../core/services/connection-tester';
import type { McpProxy } from '../core/services/mcp-proxy';
import type { SecretVault } from '../core/services/secret-vault';
import type { ServerRegistry } from '../core/services/server-registry';
import { labellerFor } from './http/dialect';
import type { Metrics } from './http/metrics';
import { authFailureLimiter, perKeyLimiter, type StoreFactory } from './http/rate-limit';
import { operationsLayer } from './http/operations-layer';
import { bySpecificity, INTERFACES } from './interfaces';

export interface AppDeps {
  registry: ServerRegistry;
  secrets: SecretVault;
  connections: ConnectionTester;
  apiKeys: ApiKeyService;
  proxy: McpProxy;
  approvals: ApprovalDesk;
  audit: AuditTrail;
  oauth: OAuthConnections;
  consoleSessions: ConsoleSessions;
  registryTokens: RegistryTokens;
  /** MCP_GATEWAY_PUBLIC_URL (null: the address each request came to). */
  publicUrl?: string | null;
  logger: Logger;
  knex: Knex;
  metrics: Metrics;
  /**
   * Requests per verified key and minute, and failed authentications per client address and
   * minute (0: both off); where the per-key counts are kept (default: in memory).
   */
  rateLimit: { perMinute: number; store?: StoreFactory };
  corsOrigins?: string[];
  trustProxy?: boolean;
  /** MCP_GATEWAY_METRICS_TOKEN: when set, /metrics needs it as a bearer token. */
  metricsToken?: string | null;
  isShuttingDown?: () => boolean;
  /** Check every response against the contract (tests turn this on). */
  validateResponses?: boolean;
  /** The interfaces to mount (default: server/interfaces.ts's list). */
  interfaces?: readonly GatewayInterface[];
}

/** Assembles the HTTP application from already-built services; constructs no service itself. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  const shuttingDown = deps.isShuttingDown ?? (() => false);
  app.disable('x-powered-by');
  app.set('etag', false);
  // One hop: the address the reverse proxy saw. Trusting every X-Forwarded-For entry would let
  // a client choose its own address (and its own rate-limit counter).
  app.set('trust proxy', deps.trustProxy ? 1 : false);
  app.use(
    operationsLayer({
      logger: deps.logger,
      metrics: deps.metrics,
      labelOf: labellerFor(deps.interfaces ?? INTERFACES),
      unreadBodyLimitBytes: REQUEST_BODY_LIMIT_BYTES,
      isShuttingDown: shuttingDown,
    }),
  );
  if (deps.corsOrigins?.length) {
    const apiCors = cors({
      origin: deps.corsOrigins.includes('*') ? '*' : deps.corsOrigins,
      exposedHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'],
    });
    // The registry answers every origin itself, as registry clients expect (adapters/registry).
    app.use((req, res, next) => (req.path.startsWith('/registry/') ? next() : apiCors(req, res, next)));
  }

  mountInterfaces(app, deps, shuttingDown);

  // Outside every interface's routes: a plain JSON answer, never an HTML page or a stack.
  app.use((_req, res) => {
    res.status(404).json(plainErrorBody('NOT_FOUND', 'No such route'));
  });
  app.use(((error, _req, res, _next) => {
    deps.logger.error({ err: { name: error?.name, code: error?.code } }, 'unhandled error outside the dialects');
    if (!res.headersSent) res.status(500).json(plainErrorBody('INTERNAL_ERROR', 'An internal error occurred'));
  }) as express.ErrorRequestHandler);
  return app;
}

/**
 * Mounts every interface, longest mount path first: API requests never walk past a shorter
 * prefix's routes. Keyed interfaces get the failed-authentication limit before their router and
 * the per-key limit after their authentication.
 */
function mountInterfaces(app: Express, deps: AppDeps, shuttingDown: () => boolean): void {
  const perMinute = deps.rateLimit.perMinute;
  const interfaces = deps.interfaces ?? INTERFACES;
  const operations: OperationsContext = {
    readiness: () => readiness(deps.knex),
    isShuttingDown: shuttingDown,
    metrics: { contentType: deps.metrics.registry.contentType, render: () => deps.metrics.registry.metrics() },
    metricsToken: deps.metricsToken ?? null,
    contracts: interfaces.filter((i) => i.contract !== null).map((i) => ({ name: i.name, title: i.contract!.title })),
    entryPoints: interfaces.flatMap((i) => (i.entryPoint ? [i.entryPoint] : [])),
  };
  const keyFormats = interfaces.flatMap((i) => (i.keyFormat ? [i.keyFormat] : []));
  for (const face of bySpecificity(interfaces)) {
    // Failed authentications count per client address before a key is looked up; the per-key
    // limit counts verified keys only, after authentication.
    const keyed = (face.keyFormat !== null || face.acceptsGatewayKeys === true) && perMinute > 0;
    const context: InterfaceContext = {
      ...deps,
      publicUrl: deps.publicUrl ?? null,
      keyFormats,
      validateResponses: deps.validateResponses ?? false,
      afterAuthentication: keyed ? [perKeyLimiter(perMinute, deps.rateLimit.store?.(face.name), face.sendError)] : [],
      operations,
    };
    const before = keyed ? [authFailureLimiter(perMinute, face.sendError)] : [];
    app.use(face.mountPath, ...before, face.router(context));
  }
}

/** Why the gateway cannot serve now: the database does not answer, or its schema is behind. */
async function readiness(knex: Knex): Promise<string | null> {
  try {
    await knex.raw('select 1');
    return (await migrationsAreCurrent(knex)) ? null : 'database migrations are not current';
  } catch {
    return 'database unreachable';
  }
}
