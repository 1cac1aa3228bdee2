import { randomUUID } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { tracer } from '../../core/tracing';
import type { IncomingMessage, OutgoingHttpHeader } from 'node:http';
import type { Request, RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { type InterfaceLabeller, routeOf } from './dialect';
import type { Metrics } from './metrics';

const WELL_FORMED_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export interface OperationsLayerOptions {
  logger: Logger;
  metrics: Metrics;
  labelOf: InterfaceLabeller;
  /** The largest body read and discarded when nobody read it (see `bodyMayExceed`). */
  unreadBodyLimitBytes: number;
  isShuttingDown: () => boolean;
}

/**
 * What every request gets before any interface sees it, in one layer: a request id (a
 * well-formed incoming X-Request-Id, else a new one, echoed on the answer), the security
 * headers, `Connection: close` while draining or when an unread body is too large to discard,
 * and, when the answer ends, one JSON log line and the request metrics. One layer instead of
 * six: each Express layer costs a router step per request, and the header values never change,
 * so helmet (which stays their source) is asked for them once, at start-up.
 */
export function operationsLayer(options: OperationsLayerOptions): RequestHandler {
  const { logger, metrics, labelOf, unreadBodyLimitBytes, isShuttingDown } = options;
  const securityHeaders = helmetHeaders();
  return (req, res, next) => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && WELL_FORMED_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.locals.requestId = id;
    res.setHeader('X-Request-Id', id);
    for (const [name, value] of securityHeaders) res.setHeader(name, value);
    // While draining, every answer closes its connection, so clients reconnect elsewhere.
    if (isShuttingDown()) res.setHeader('Connection', 'close');
    if (bodyMayExceed(req, unreadBodyLimitBytes)) closeIfBodyUnread(req, res);
    // The server span, under the caller's W3C `traceparent` when it sent one (no-op while tracing is off).
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(
      req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': pathOf(req.originalUrl),
          'url.scheme': req.protocol,
          'network.protocol.version': req.httpVersion,
          'mcp_gateway.request_id': id,
        },
      },
      parent,
    );
    const traceId = span.isRecording() ? span.spanContext().traceId : undefined;

    const logs = logger.isLevelEnabled('info');
    let ended = false;
    const end = (finished: boolean) => {
      if (ended) return;
      ended = true;
      const route = routeOf(req);
      const dialect = labelOf(req.originalUrl);
      const elapsedMs = performance.now() - started;
      if (finished) metrics.observeRequest(dialect, route, res.statusCode, elapsedMs / 1000);
      if (span.isRecording()) {
        if (route !== 'unmatched') {
          span.updateName(`${req.method} ${route}`);
          span.setAttribute('http.route', route);
        }
        span.setAttribute('mcp_gateway.interface', dialect);
        if (finished) span.setAttribute('http.response.status_code', res.statusCode);
        if (!finished || res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      }
      if (!logs) return;
      const status = finished ? res.statusCode : 499;
      const line = {
        requestId: id,
        ...(traceId ? { traceId, spanId: span.spanContext().spanId } : {}),
        dialect,
        route,
        req: { method: req.method, path: pathOf(req.originalUrl) },
        res: { status },
        responseTime: Math.round(elapsedMs * 10) / 10,
      };
      // Headers (where keys travel) and bodies (where credentials travel) are never logged.
      const message = `${req.method} ${route} ${finished ? status : 'closed before the answer'}`;
      if (status >= 500) logger.error(line, message);
      else logger.info(line, message);
    };
    res.once('finish', () => end(true));
    res.once('close', () => end(res.writableFinished));
    if (span.isRecording()) context.with(trace.setSpan(parent, span), next);
    else next();
  };
}

/** The path a log line shows: no query, and no credential a path carries (a registry read token after `/token/`). */
const pathOf = (url: string) => {
  const query = url.indexOf('?');
  return (query === -1 ? url : url.slice(0, query)).replace(/\/token\/[^/]+/gi, '/token/[redacted]');
};

/** The headers helmet sets (with the gateway's options), read once from a stand-in response. */
function helmetHeaders(): Array<[string, OutgoingHttpHeader]> {
  const headers: Array<[string, OutgoingHttpHeader]> = [];
  // Swagger UI needs no more than 'self' and inline styles; plain-http deployments keep working.
  const middleware = helmet({ contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } });
  const standIn = { setHeader: (name: string, value: OutgoingHttpHeader) => headers.push([name, value]), removeHeader: () => undefined };
  middleware({} as never, standIn as never, () => undefined);
  return headers;
}

/** Whether what is left of a body could be longer than `maxBytes` (chunked bodies declare no length). */
function bodyMayExceed(req: IncomingMessage, maxBytes: number): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return Number(req.headers['content-length'] ?? 0) > maxBytes;
}

/**
 * Bounds what is read of a body nobody read. A request answered before its body was parsed (a
 * 401, a 429) still has that body on the wire. Node reads and discards it so the connection can
 * carry the next request: fine for a body no larger than the limit (what an authenticated caller
 * may send anyway); a larger or chunked one gets `Connection: close` instead, and Node closes
 * the connection after the answer without reading on, so a caller without a key cannot make the
 * gateway read without end. Only such requests pay for the wrapped `writeHead`.
 */
function closeIfBodyUnread(req: Request, res: Parameters<RequestHandler>[1]): void {
  const writeHead = res.writeHead;
  // Every answer passes through writeHead (res.end calls it when nothing was written yet).
  res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
    if (!req.complete) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  } as typeof writeHead;
}
