import { traceContextCarrier } from '../tracing';
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

/** Loads the HTTP client module (undici) ahead of a deadline; later calls find it loaded. */
export async function loadHttpClient(): Promise<void> {
  await import('undici');
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
  options: {
    keepAlive?: boolean;
    /** The MCP server's URL: requests to its origin carry the W3C trace context while tracing is on; none else does (authorization servers, other hosts). */
    traceTo?: string;
  } = {},
): Promise<GuardedHttp> {
  let traceOrigin: string | null = null;
  try {
    traceOrigin = options.traceTo ? new URL(options.traceTo).origin : null;
  } catch {
    traceOrigin = null;
  }
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
  // Bounded: a pooled connection lives long, and only the first failures classify a connect.
  const record = (failure: unknown) => {
    if (failures.length < MAX_RECORDED_FAILURES) failures.push(failure);
  };
  const fetch: FetchLike = async (url, init = {}) => {
    const signals = [init.signal, signal].filter((s): s is AbortSignal => s !== null && s !== undefined);
    // W3C trace context to the MCP server while tracing is on (the carrier is empty otherwise).
    const trace = traceOrigin !== null && originOf(url) === traceOrigin ? traceContextCarrier() : {};
    let headers = init.headers;
    if (Object.keys(trace).length) {
      const merged = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
      for (const [name, value] of Object.entries(trace)) merged.set(name, value);
      headers = merged;
    }
    try {
      const response = (await undiciFetch(url, {
        ...(init as object),
        headers,
        dispatcher: agent,
        signal: AbortSignal.any(signals),
      } as never)) as unknown as Response;
      return capped(response, (tooLarge) => record(tooLarge));
    } catch (error) {
      record(error);
      throw error;
    }
  };
  return { fetch, failures, close: () => agent.destroy() };
}

const MAX_RECORDED_FAILURES = 50;

function originOf(url: string | URL): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
const LF = 10;
const CR = 13;

/**
 * Bytes of `chunk` to add to the current event's count; where the chunk holds a blank line (an
 * event's end: LF LF, or LF CR LF), `reset` sets the count to zero first and only what follows the
 * last one counts. `previous` is the byte before the chunk.
 */
function sinceBlankLine(chunk: Uint8Array, previous: number, reset: (n: number) => void): number {
  for (let i = chunk.byteLength - 1; i >= 0; i -= 1) {
    if (chunk[i] !== LF) continue;
    const before = i > 0 ? chunk[i - 1] : previous;
    const twoBefore = i > 1 ? chunk[i - 2] : i === 1 ? previous : undefined;
    if (before === LF || (before === CR && twoBefore === LF)) {
      reset(0);
      return chunk.byteLength - i - 1;
    }
  }
  return chunk.byteLength;
}

/** The most one upstream answer may weigh: a tool list bigger than this is not a tool list. */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

export class ResponseTooLarge extends Error {
  constructor() {
    super(describeProbeFailure({ kind: 'response_too_large', limitMb: MAX_RESPONSE_BYTES / 1024 / 1024 }));
    this.name = 'ResponseTooLarge';
  }
}

/**
 * The same response, whose body errors once it passes MAX_RESPONSE_BYTES, so memory stays
 * bounded. An event stream is counted per event (bytes since the last blank line): a pooled
 * connection's SSE stream carries every answer of its lifetime, one at a time.
 */
function capped(response: Response, onTooLarge: (error: ResponseTooLarge) => void): Response {
  if (!response.body) return response;
  const perEvent = (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
  let seen = 0;
  let previous = 0;
  const limited = response.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        // Called first, then added: a blank line in the chunk resets the count before what follows it is added.
        const added = perEvent ? sinceBlankLine(chunk, previous, (n) => (seen = n)) : chunk.byteLength;
        seen += added;
        if (chunk.byteLength > 0) previous = chunk[chunk.byteLength - 1]!;
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
