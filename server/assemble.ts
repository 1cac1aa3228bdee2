import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { GatewayInterface } from '../adapters/shared/gateway-interface';
import { KnexRateLimitCounter } from '../core/store/rate-limit.knex-store';
import { createApp } from './app';
import { openGateway, type GatewayOptions, type GatewayServices } from './gateway';
import { answerClientErrors } from './http/client-errors';
import { createHttpServer, DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from './http/http-server';
import { createMetrics, type Metrics } from './http/metrics';
import { sharedStore } from './http/rate-limit';

export interface AssemblyOptions extends Omit<GatewayOptions, 'onProbe'> {
  logger: Logger;
  /** Requests per verified key and minute, and failed authentications per address (0: off). */
  rateLimitPerMinute: number;
  /** Count per-key limits in the database (PostgreSQL only), so every instance shares them. */
  sharedRateLimits: boolean;
  corsOrigins?: string[];
  trustProxy?: boolean;
  metricsToken?: string | null;
  /** Check every response against the contract (tests turn this on). */
  validateResponses?: boolean;
  httpTimeouts?: Partial<HttpTimeouts>;
  /** The interfaces to mount (default: server/interfaces.ts's list). */
  interfaces?: readonly GatewayInterface[];
  /** MCP_GATEWAY_PUBLIC_URL. */
  publicUrl?: string | null;
  /** Collect the process's CPU, memory, GC and event-loop metrics (default true; once per process). */
  processMetrics?: boolean;
}

export interface AssembledGateway {
  services: GatewayServices;
  app: Express;
  /** Not listening yet: the caller chooses where. */
  server: Server;
  metrics: Metrics;
  /** From now on /readyz answers 503 and every answer closes its connection. */
  beginShutdown(): void;
}

/**
 * The one assembly of the gateway: services over the database, the HTTP application with every
 * interface mounted, and the HTTP server with its timeouts and parser-refusal answers. `serve`
 * and the tests build through it; the CLI opens the same services through `openGateway`.
 */
export async function assembleGateway(options: AssemblyOptions): Promise<AssembledGateway> {
  const metrics = createMetrics({ processMetrics: options.processMetrics });
  const logger = options.logger;
  const services = await openGateway({
    ...options,
    onProbe: metrics.observeProbe,
    proxyEvents: {
      // One line per call: who, which server and tool, how it ended; never arguments or results.
      call: (event) => {
        metrics.observeProxyCall(event);
        logger.info(
          { serverId: event.serverId, tool: event.tool, keyId: event.keyId, outcome: event.outcome, rule: event.rule, durationMs: event.durationMs },
          'mcp call',
        );
      },
      toolChanged: (event) => {
        metrics.observeToolChanged(event);
        logger.warn(event, 'tool definition changed upstream');
      },
    },
  });
  metrics.watchPool(services.db.knex);
  if (services.health)
    metrics.watchHealth(
      () => services.healthLeases.snapshot(),
      () => (options.clock ?? Date).now(),
    );
  let shuttingDown = false;
  // PostgreSQL: every instance counts in the shared database. SQLite: one process's memory.
  const store =
    options.sharedRateLimits && options.database.engine === 'postgres' ? sharedStore(new KnexRateLimitCounter(services.db.knex, 60_000)) : undefined;
  const app = createApp({
    ...services,
    knex: services.db.knex,
    logger: options.logger,
    metrics,
    rateLimit: { perMinute: options.rateLimitPerMinute, store },
    corsOrigins: options.corsOrigins,
    trustProxy: options.trustProxy,
    metricsToken: options.metricsToken,
    isShuttingDown: () => shuttingDown,
    validateResponses: options.validateResponses,
    interfaces: options.interfaces,
    publicUrl: options.publicUrl ?? null,
  });
  const server = createHttpServer(app, { ...DEFAULT_HTTP_TIMEOUTS, ...options.httpTimeouts });
  answerClientErrors(server, options.logger, metrics, options.interfaces);
  return {
    services,
    app,
    server,
    metrics,
    beginShutdown: () => {
      shuttingDown = true;
    },
  };
}
