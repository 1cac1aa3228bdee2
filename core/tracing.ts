import { context, propagation, type Span, type SpanOptions, SpanStatusCode, trace } from '@opentelemetry/api';

/*
 * Traces through OpenTelemetry's API, which does nothing until an SDK is registered
 * (server/telemetry.ts, with the OTEL_* variables): off by default, and then only a no-op call.
 * Span attributes name operations, tables, tools, hosts and outcomes; never a credential, a
 * header value, a URL with its query, SQL values or a tool's arguments.
 */

export const tracer = () => trace.getTracer('mcp-gateway');

/** Runs `work` in a new span (its children nest under it); a throw marks the span failed, by error class only. */
export async function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const span = tracer().startSpan(name, options);
  try {
    return await context.with(trace.setSpan(context.active(), span), () => work(span));
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed with the error's class (`error.type`), never its message. */
export function failed(span: Span, error: unknown): void {
  const type = error instanceof Error ? error.name : 'Error';
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/**
 * The W3C trace context of the current span (`traceparent`, `tracestate`), for an outgoing
 * request; empty when tracing is off. Only those two keys: never a caller's `baggage`.
 */
export function traceContextCarrier(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const { traceparent, tracestate } = carrier;
  return { ...(traceparent ? { traceparent } : {}), ...(tracestate ? { tracestate } : {}) };
}

/** Where an upstream is, for a span: host, port and transport only (a URL's path or query may carry a key). */
export function upstreamAttributes(url: string, transport: string): Record<string, string | number> {
  try {
    const u = new URL(url);
    return {
      'server.address': u.hostname,
      'server.port': Number(u.port) || (u.protocol === 'https:' ? 443 : 80),
      'network.transport': 'tcp',
      'mcp_gateway.transport': transport,
    };
  } catch {
    return { 'mcp_gateway.transport': transport };
  }
}

/** `SELECT mcp_servers`: a statement's operation and first table, for a span's name (`db.query.summary`); never its values. */
export function querySummary(sql: string): { operation: string; table: string | null } {
  const operation = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'QUERY';
  const table = /\b(?:from|into|update|table)\s+["`]?([A-Za-z_][A-Za-z0-9_]*)/i.exec(sql)?.[1] ?? null;
  return { operation, table };
}
