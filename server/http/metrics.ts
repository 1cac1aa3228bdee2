import type { Knex } from 'knex';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProbeOutcome } from '../../core/model/probe';
import type { ProxyCallEvent, ToolChangedEvent } from '../../core/proxy/proxy-model';

export interface Metrics {
  registry: Registry;
  /** Counts and times a request by interface (`dialect`), route template and status. */
  observeRequest(dialect: string, route: string, status: number, seconds: number): void;
  observeProbe(outcome: ProbeOutcome): void;
  /** Counts a request the HTTP parser refused before any route (route `unparsed`). */
  observeRefused(dialect: string, status: number): void;
  /** Counts and times a call through the MCP endpoint; counts its refusal by rule. */
  observeProxyCall(event: ProxyCallEvent): void;
  observeToolChanged(event: ToolChangedEvent): void;
  /** Reports the database pool's figures at every scrape. */
  watchPool(knex: Knex): void;
  /** Per-server health from the stored connection states, read at each scrape (background checks on). */
  watchHealth(snapshot: () => Promise<Array<{ id: string; organizationId: string; status: string; lastConnectedAt: number | null }>>, now: () => number): void;
}

/**
 * One registry per app (not prom-client's global), so one process can build several apps.
 * `processMetrics`: prom-client's default metrics (CPU, memory, GC, event-loop lag). They watch the
 * whole process through observers that are never removed, so only the process's one gateway
 * should collect them: each further app that did would keep its whole module graph alive.
 */
export function createMetrics({ processMetrics = true }: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const labelNames = ['dialect', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'mcp_gateway_http_requests_total',
    help: 'HTTP requests by dialect, route template and status',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'mcp_gateway_http_request_duration_seconds',
    help: 'HTTP request duration by dialect, route template and status',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const probes = new Counter({
    name: 'mcp_gateway_probe_results_total',
    help: 'Connection tests by outcome (failure class, or none)',
    labelNames: ['failure_class'],
    registers: [registry],
  });
  // Tool names label only tools the upstream listed: a caller's made-up names (refused, unknown
  // upstream, or answered with isError as some servers answer an unknown tool) never grow the series.
  const proxyLabels = ['server_id', 'tool', 'outcome'] as const;
  const proxyCalls = new Counter({
    name: 'mcp_gateway_proxy_calls_total',
    help: 'tools/call through the MCP endpoint by server, tool and outcome (ok, tool_error, refused, failed)',
    labelNames: proxyLabels,
    registers: [registry],
  });
  const proxyDuration = new Histogram({
    name: 'mcp_gateway_proxy_call_duration_seconds',
    help: 'tools/call duration through the MCP endpoint by server, tool and outcome',
    labelNames: proxyLabels,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 30, 60],
    registers: [registry],
  });
  const proxyRefusals = new Counter({
    name: 'mcp_gateway_proxy_refusals_total',
    help: 'Calls the MCP endpoint refused or could not complete, by server and rule',
    labelNames: ['server_id', 'rule'],
    registers: [registry],
  });
  const toolChanges = new Counter({
    name: 'mcp_gateway_tool_definition_changes_total',
    help: 'Tool definitions seen changed through the MCP endpoint, by server',
    labelNames: ['server_id'],
    registers: [registry],
  });
  const pools: Knex[] = [];
  const pool = (name: string, help: string, read: (p: { numUsed(): number; numFree(): number; numPendingAcquires(): number }) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(pools.reduce((sum, k) => sum + read((k.client as { pool: never }).pool), 0));
      },
    });
  pool('mcp_gateway_db_pool_used', 'Database connections in use', (p) => p.numUsed());
  pool('mcp_gateway_db_pool_free', 'Idle database connections', (p) => p.numFree());
  pool('mcp_gateway_db_pool_pending', 'Requests waiting for a database connection', (p) => p.numPendingAcquires());

  // Each label set's series, looked up once: prom-client hashes the labels on every call
  // otherwise. Bounded as the series are: route templates (never raw paths) times statuses.
  const requestSeries = new Map<string, { count: { inc(): void }; time: { observe(value: number): void } }>();
  return {
    registry,
    observeRequest: (dialect, route, status, seconds) => {
      const key = `${dialect} ${route} ${status}`;
      let series = requestSeries.get(key);
      if (series === undefined) {
        const labels = { dialect, route, status: String(status) };
        series = { count: requests.labels(labels), time: duration.labels(labels) };
        requestSeries.set(key, series);
      }
      series.count.inc();
      series.time.observe(seconds);
    },
    observeProbe: (outcome) => probes.inc({ failure_class: outcome.failureClass ?? 'none' }),
    observeRefused: (dialect, status) => requests.inc({ dialect, route: 'unparsed', status: String(status) }),
    observeProxyCall: (event) => {
      const labels = { server_id: event.serverId, tool: event.toolKnown && event.tool !== null ? event.tool : '', outcome: event.outcome };
      proxyCalls.inc(labels);
      proxyDuration.observe(labels, event.durationMs / 1000);
      if (event.rule) proxyRefusals.inc({ server_id: event.serverId, rule: event.rule });
    },
    observeToolChanged: (event) => toolChanges.inc({ server_id: event.serverId }),
    watchPool: (knex) => void pools.push(knex),
    watchHealth: (snapshot, now) => {
      // One read per scrape feeds both gauges; a server deleted or deactivated drops out.
      let read: Promise<Awaited<ReturnType<typeof snapshot>>> | null = null;
      const current = () => (read ??= snapshot().finally(() => setTimeout(() => (read = null), 0)));
      /** A per-server gauge: `measure` gives its value, or null to leave the server out. */
      const serverGauge = (name: string, help: string, measure: (s: Awaited<ReturnType<typeof snapshot>>[number], at: number) => number | null) =>
        new Gauge({
          name,
          help,
          labelNames: ['organization_id', 'server_id'],
          registers: [registry],
          async collect() {
            const servers = await current();
            this.reset();
            const at = now();
            for (const s of servers) {
              const value = measure(s, at);
              if (value !== null) this.set({ organization_id: s.organizationId, server_id: s.id }, value);
            }
          },
        });
      serverGauge(
        'mcp_gateway_server_up',
        'Whether the last connection test of an active server succeeded (1) or failed (0); untested servers are absent',
        (s) => (s.status === 'untested' ? null : s.status === 'connected' ? 1 : 0),
      );
      serverGauge(
        'mcp_gateway_server_seconds_since_success',
        'Seconds since an active server last passed a connection test; servers that never did are absent',
        (s, at) => (s.lastConnectedAt === null ? null : Math.max(0, (at - s.lastConnectedAt) / 1000)),
      );
    },
  };
}
