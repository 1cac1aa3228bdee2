import { createServer, type RequestListener, type Server } from 'node:http';

export interface HttpTimeouts {
  /** From the first byte of a request to the end of its headers. */
  headersMs: number;
  /** From the first byte of a request to the end of its body (the answer may take longer). */
  requestMs: number;
  /** How long an idle keep-alive connection waits for the next request. */
  keepAliveMs: number;
}

/**
 * Node's defaults let a client hold a socket for 5 minutes by trickling a body (requestTimeout
 * 300 s, checked every 30 s). A request is at most 16 KB of headers and 1 MB of body: 20 s and
 * 30 s leave a slow link room (35 KB/s) and bound what a trickling client can hold. Keep-alive
 * stays at Node's 5 s unless MCP_GATEWAY_KEEP_ALIVE_TIMEOUT_MS says otherwise (behind a proxy
 * that reuses connections it must exceed the proxy's idle timeout).
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 20_000, requestMs: 30_000, keepAliveMs: 5_000 };

/** The HTTP server of the gateway, with its timeouts set deliberately. */
export function createHttpServer(app: RequestListener, timeouts: HttpTimeouts): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.keepAliveMs,
      // How often Node looks for expired requests: a timeout fires at most this much late.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 4))),
    },
    app,
  );
  server.keepAliveTimeout = timeouts.keepAliveMs;
  return server;
}
