import { describeProbeFailure } from './failure-reasons';
import type { NetworkGuard } from './network-guard';

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface GuardedHttp {
  fetch: FetchLike;
  /**
   * Errors fetch raised and bodies that grew past the cap, kept whole: some callers (the SSE
   * client) flatten them to text, and the probe reads them as values, never from that text.
   */
  readonly failures: unknown[];
  /** Closes every socket this client opened. */
  close(): Promise<void>;
}

/**
 * An HTTP client whose every connection, redirects included, goes through the guard: the
 * connector resolves the host once, checks the address, and dials exactly that address (TLS
 * still verifies the certificate against the host name). Every request also carries `signal`
 * when there is one, so one deadline bounds everything the probe does.
 */
export async function guardedHttp(
  guard: NetworkGuard,
  signal: AbortSignal | null,
  connectTimeoutMs: number,
  options: { keepAlive?: boolean } = {},
): Promise<GuardedHttp> {
  const { Agent, buildConnector, fetch: undiciFetch } = await import('undici');
  const base = buildConnector({ timeout: connectTimeoutMs });
  const agent = new Agent({
    connect: (opts, callback) => {
      guard.resolve(opts.hostname).then(
        (address) => base({ ...opts, hostname: address }, callback),
        (error: Error) => callback(error, null),
      );
    },
    // A probe keeps no connection alive: every request opens one that is resolved and checked
    // anew, and no socket outlives the probe. The MCP endpoint's pooled upstream connections
    // keep theirs (each socket was checked when it was dialled, and is dialled to that address).
    ...(options.keepAlive ? {} : { pipelining: 0 }),
  });
  const failures: unknown[] = [];
  const fetch: FetchLike = async (url, init = {}) => {
    const signals = [init.signal, signal].filter((s): s is AbortSignal => s !== null && s !== undefined);
    try {
      const response = (await undiciFetch(url, { ...(init as object), dispatcher: agent, signal: AbortSignal.any(signals) } as never)) as unknown as Response;
      return capped(response, (tooLarge) => failures.push(tooLarge));
    } catch (error) {
      failures.push(error);
      throw error;
    }
  };
  return { fetch, failures, close: () => agent.destroy() };
}

/** The most one upstream answer may weigh: a tool list bigger than this is not a tool list. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export class ResponseTooLarge extends Error {
  constructor() {
    super(describeProbeFailure({ kind: 'response_too_large', limitMb: MAX_RESPONSE_BYTES / 1024 / 1024 }));
    this.name = 'ResponseTooLarge';
  }
}

/** The same response, whose body errors once it passes MAX_RESPONSE_BYTES, so memory stays bounded. */
function capped(response: Response, onTooLarge: (error: ResponseTooLarge) => void): Response {
  if (!response.body) return response;
  let seen = 0;
  const limited = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > MAX_RESPONSE_BYTES) {
          const error = new ResponseTooLarge();
          onTooLarge(error);
          controller.error(error);
        } else controller.enqueue(chunk);
      },
    }),
  );
  const wrapped = new Response(limited, { status: response.status, statusText: response.statusText, headers: response.headers });
  // Keep the URL it came from: redirect handling reads it.
  Object.defineProperty(wrapped, 'url', { value: response.url });
  return wrapped;
}
