import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { KnexRateLimitCounter } from '../core/store/rate-limit.knex-store';
import { createApp } from './app';
import type { GatewayConfig } from './config';
import { bootstrapDemo } from './demo';
import { openGateway } from './gateway';
import { createMetrics } from './http/metrics';
import { answerClientErrors } from './http/client-errors';
import { createHttpServer, DEFAULT_HTTP_TIMEOUTS } from './http/http-server';
import { sharedStore } from './http/rate-limit';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes the database. */
  stop(): Promise<void>;
}

/** One HTTP server process: open the database, print the demo keys on a first start, listen. */
export async function serve(config: GatewayConfig, logger: Logger, print: (text: string) => void, options: { demo?: boolean } = {}): Promise<RunningServer> {
  const metrics = createMetrics();
  const gateway = await openGateway({ ...config, logger, onProbe: metrics.observeProbe });
  metrics.watchPool(gateway.db.knex);
  if (config.demo && options.demo !== false) {
    const banner = await bootstrapDemo(gateway.apiKeys);
    if (banner) print(banner);
  }
  let shuttingDown = false;
  // PostgreSQL: every instance counts in the shared database. SQLite: one process's memory.
  const store = config.database.engine === 'postgres' ? sharedStore(new KnexRateLimitCounter(gateway.db.knex, 60_000)) : undefined;
  const app = createApp({
    ...gateway,
    knex: gateway.db.knex,
    logger,
    metrics,
    rateLimit: { perMinute: config.rateLimitPerMinute, store },
    corsOrigins: config.corsOrigins,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    isShuttingDown: () => shuttingDown,
  });
  const server = createHttpServer(app, { ...DEFAULT_HTTP_TIMEOUTS, keepAliveMs: config.keepAliveTimeoutMs });
  answerClientErrors(server, logger, metrics);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ port, engine: config.database.engine, pid: process.pid }, 'mcp-gateway listening');

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), config.shutdownTimeoutMs).unref());
      if ((await Promise.race([closed, deadline])) === 'late') {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'requests still running at the shutdown deadline were cut');
        server.closeAllConnections();
        await closed;
      }
      await gateway.close();
    })());
  return { server, port, stop };
}
