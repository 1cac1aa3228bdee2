import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { sendAitronosError } from '../adapters/aitronos/aitronos.errors';
import { aitronosRouter } from '../adapters/aitronos/aitronos.router';
import { requestId } from '../adapters/shared/request-id';
import { sendZuduError } from '../adapters/zudu/zudu.envelope';
import { zuduRouter } from '../adapters/zudu/zudu.router';
import type { ApiKeyService } from '../core/services/api-keys';
import type { ConnectionTester } from '../core/services/connection-tester';
import type { SecretVault } from '../core/services/secret-vault';
import type { ServerRegistry } from '../core/services/server-registry';
import { docsRouter } from './http/docs';
import { healthRouter } from './http/health';
import type { Metrics } from './http/metrics';
import { rateLimiter, type StoreFactory } from './http/rate-limit';
import { requestLog } from './http/request-log';

export interface AppDeps {
  registry: ServerRegistry;
  secrets: SecretVault;
  connections: ConnectionTester;
  apiKeys: ApiKeyService;
  logger: Logger;
  knex: Knex;
  metrics: Metrics;
  /** Requests per key and minute (0: off), and where they are counted (default: in memory). */
  rateLimit: { perMinute: number; store?: StoreFactory };
  corsOrigins?: string[];
  trustProxy?: boolean;
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
  app.set('trust proxy', deps.trustProxy ?? false);
  app.use(requestId);
  app.use(requestLog(deps.logger));
  app.use(deps.metrics.middleware);
  // Swagger UI needs no more than 'self' and inline styles; plain-http deployments keep working.
  app.use(helmet({ contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } }));
  if (deps.corsOrigins?.length) app.use(cors({ origin: deps.corsOrigins.includes('*') ? '*' : deps.corsOrigins, exposedHeaders: ['X-Request-Id', 'RateLimit', 'RateLimit-Policy', 'Retry-After'] }));
  app.use((_req, res, next) => {
    // While draining, every answer closes its connection, so clients reconnect elsewhere.
    if (shuttingDown()) res.setHeader('Connection', 'close');
    next();
  });

  const validateResponses = deps.validateResponses ?? false;
  const limit = (dialect: string, send: Parameters<typeof rateLimiter>[2]): express.RequestHandler[] =>
    deps.rateLimit.perMinute > 0 ? [rateLimiter(deps.rateLimit.perMinute, deps.rateLimit.store?.(dialect), send)] : [];
  app.use('/v1', ...limit('aitronos', sendAitronosError), aitronosRouter({ ...deps, validateResponses }));
  app.use('/api', ...limit('zudu', sendZuduError), zuduRouter({ ...deps, validateResponses }));

  // After the dialects, so API requests never walk past these routes' patterns.
  app.use(healthRouter(deps.knex, shuttingDown));
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use(docsRouter());

  // Outside both dialects' prefixes: a plain JSON answer, never an HTML page or a stack.
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such route' } });
  });
  app.use(((error, _req, res, _next) => {
    deps.logger.error({ err: { name: error?.name, code: error?.code } }, 'unhandled error outside the dialects');
    if (!res.headersSent) res.status(500).json({ error: { code: 'INTERNAL_ERROR', message: 'An internal error occurred' } });
  }) as express.ErrorRequestHandler);
  return app;
}
