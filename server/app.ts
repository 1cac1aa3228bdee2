import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { sendAitronosError } from '../adapters/aitronos/aitronos.errors';
import { aitronosRouter } from '../adapters/aitronos/aitronos.router';
import { REQUEST_BODY_LIMIT_BYTES } from '../adapters/shared/openapi';
import { requestId } from '../adapters/shared/request-id';
import { sendZuduError } from '../adapters/zudu/zudu.envelope';
import { zuduRouter } from '../adapters/zudu/zudu.router';
import type { ApiKeyService } from '../core/services/api-keys';
import type { ConnectionTester } from '../core/services/connection-tester';
import type { SecretVault } from '../core/services/secret-vault';
import type { ServerRegistry } from '../core/services/server-registry';
import { docsRouter } from './http/docs';
import { healthRouter } from './http/health';
import { plainErrorBody } from './http/plain-error';
import type { Metrics } from './http/metrics';
import { metricsAccess } from './http/metrics-access';
import { authFailureLimiter, perKeyLimiter, type StoreFactory } from './http/rate-limit';
import { requestLog } from './http/request-log';
import { limitUnreadBody } from './http/unread-body';

export interface AppDeps {
  registry: ServerRegistry;
  secrets: SecretVault;
  connections: ConnectionTester;
  apiKeys: ApiKeyService;
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
  app.use(requestId);
  app.use(requestLog(deps.logger));
  app.use(deps.metrics.middleware);
  app.use(limitUnreadBody(REQUEST_BODY_LIMIT_BYTES));
  // Swagger UI needs no more than 'self' and inline styles; plain-http deployments keep working.
  app.use(helmet({ contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } }));
  if (deps.corsOrigins?.length) app.use(cors({ origin: deps.corsOrigins.includes('*') ? '*' : deps.corsOrigins, exposedHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'] }));
  app.use((_req, res, next) => {
    // While draining, every answer closes its connection, so clients reconnect elsewhere.
    if (shuttingDown()) res.setHeader('Connection', 'close');
    next();
  });

  const validateResponses = deps.validateResponses ?? false;
  // Failed authentications count per client address before a key is looked up; the per-key
  // limit counts verified keys only, after authentication.
  const perMinute = deps.rateLimit.perMinute;
  const limits = (dialect: string, send: Parameters<typeof perKeyLimiter>[2]) =>
    perMinute > 0
      ? { before: [authFailureLimiter(perMinute, send)], afterAuthentication: [perKeyLimiter(perMinute, deps.rateLimit.store?.(dialect), send)] }
      : { before: [], afterAuthentication: [] };
  const aitronos = limits('aitronos', sendAitronosError);
  const zudu = limits('zudu', sendZuduError);
  app.use('/v1', ...aitronos.before, aitronosRouter({ ...deps, validateResponses, afterAuthentication: aitronos.afterAuthentication }));
  app.use('/api', ...zudu.before, zuduRouter({ ...deps, validateResponses, afterAuthentication: zudu.afterAuthentication }));

  // After the dialects, so API requests never walk past these routes' patterns.
  app.use(healthRouter(deps.knex, shuttingDown));
  app.get('/metrics', metricsAccess(deps.metricsToken), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use(docsRouter());

  // Outside both dialects' prefixes: a plain JSON answer, never an HTML page or a stack.
  app.use((_req, res) => {
    res.status(404).json(plainErrorBody('NOT_FOUND', 'No such route'));
  });
  app.use(((error, _req, res, _next) => {
    deps.logger.error({ err: { name: error?.name, code: error?.code } }, 'unhandled error outside the dialects');
    if (!res.headersSent) res.status(500).json(plainErrorBody('INTERNAL_ERROR', 'An internal error occurred'));
  }) as express.ErrorRequestHandler);
  return app;
}
