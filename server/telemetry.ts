import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

/**
 * Whether the operator asked for traces with OpenTelemetry's standard variables: an exporter
 * (`OTEL_TRACES_EXPORTER`, not `none`) or an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT`,
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`), and `OTEL_SDK_DISABLED` not `true`. Off otherwise.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter) return exporter !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

export interface Telemetry {
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts OpenTelemetry's Node SDK: W3C trace-context propagation, async context, and the span
 * exporter its variables configure (OTLP by default; `OTEL_SERVICE_NAME` defaults to
 * `mcp-gateway`). No automatic instrumentation: the gateway makes its own spans (core/tracing.ts),
 * so each carries only attributes chosen not to hold a credential. Tests pass their own processor.
 */
export async function startTelemetry(options: { spanProcessors?: SpanProcessor[]; env?: NodeJS.ProcessEnv } = {}): Promise<Telemetry | null> {
  const env = options.env ?? process.env;
  if (!options.spanProcessors && !tracingRequested(env)) return null;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'mcp-gateway',
    instrumentations: [],
    // W3C trace context only: a caller's `baggage` is neither read nor passed on.
    textMapPropagator: new W3CTraceContextPropagator(),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
