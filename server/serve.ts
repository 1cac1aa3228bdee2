import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { assembleGateway } from './assemble';
import type { GatewayConfig } from './config';
import { bootstrapDemo } from './demo';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish (bounded), then closes the database. */
  stop(): Promise<void>;
}

/** One HTTP server process: open the database, print the demo keys on a first start, listen. */
export async function serve(config: GatewayConfig, logger: Logger, print: (text: string) => void, options: { demo?: boolean } = {}): Promise<RunningServer> {
  const {
    services: gateway,
    server,
    beginShutdown,
  } = await assembleGateway({
    ...config,
    logger,
    rateLimitPerMinute: config.rateLimitPerMinute,
    sharedRateLimits: true,
    httpTimeouts: { keepAliveMs: config.keepAliveTimeoutMs },
  });
  if (config.demo && options.demo !== false) {
    const banner = await bootstrapDemo(gateway.apiKeys);
    if (banner) print(banner);
  }
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
  // MCP_GATEWAY_AUDIT_RETENTION_DAYS: prune at start and hourly (each organization in one
  // transaction, so instances pruning at once never break a chain).
  const prune = () =>
    void gateway.audit
      .prune()
      .then((done) => {
        for (const p of done) logger.info({ organizationId: p.organizationId, pruned: p.pruned }, 'audit events pruned');
      })
      .catch((error: Error) => logger.warn({ err: { message: error.message } }, 'audit pruning failed'));
  const pruning = config.auditRetentionDays === null ? null : setInterval(prune, 3_600_000);
  pruning?.unref();
  if (pruning) prune();
  // MCP_GATEWAY_HEALTH_INTERVAL_S: background connection tests (each instance takes its share by lease).
  gateway.health?.start();

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      beginShutdown();
      if (pruning) clearInterval(pruning);
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
