import type { Client } from '@modelcontextprotocol/client';
import type { ProbeTarget } from '../model/probe';
import type { FetchLike } from './guarded-fetch';
import { basicCredentials, fetchClientCredentialsToken } from './oauth-token';
import { authorizedFetch } from '../oauth/authorized-fetch';
import { ChallengeSeen, classifyFailure } from './probe-failure';

/** How the gateway names itself to upstreams (as a client) and to agents (as a server). */
export const GATEWAY_IMPLEMENTATION = { name: 'mcp-gateway', version: '0.1.0' };

/** The official SDK's current client line, loaded on first use: most processes never reach an upstream. */
export async function loadClientSdk() {
  const { Client, SSEClientTransport, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
  return { Client, SSEClientTransport, StreamableHTTPClientTransport };
}

export type ClientSdk = Awaited<ReturnType<typeof loadClientSdk>>;

/** The server-to-client requests the gateway relays to an agent, by the capability each needs. */
const RELAYED_REQUESTS = { elicitation: 'elicitation/create', sampling: 'sampling/createMessage', roots: 'roots/list' } as const;
export type RelayedRequest = (typeof RELAYED_REQUESTS)[keyof typeof RELAYED_REQUESTS];

/** Where an upstream's server-to-client requests go: an agent that declared `capabilities`. */
export interface ServerRequestRelay {
  capabilities: Record<string, unknown>;
  relay(method: RelayedRequest, params: Record<string, unknown> | undefined): Promise<unknown>;
}

/**
 * A client of the gateway's. Without a relay it declares no client capabilities, so an upstream
 * never sends it requests it could not route; with one, it declares what the agent declared and
 * hands each such request (or a 2026-07-28 `input_required` round, which the SDK fulfils through
 * the same handlers) to the agent.
 */
function newUpstreamClient(sdk: ClientSdk, mode: 'auto' | 'legacy', probeTimeoutMs: number, relay?: ServerRequestRelay): Client {
  const client = new sdk.Client(GATEWAY_IMPLEMENTATION, {
    capabilities: relay?.capabilities ?? {},
    versionNegotiation: { mode, probe: { timeoutMs: probeTimeoutMs } },
  });
  if (relay) {
    for (const [capability, method] of Object.entries(RELAYED_REQUESTS)) {
      if (relay.capabilities[capability] === undefined) continue;
      client.setRequestHandler(method, (async (request: { params?: Record<string, unknown> }) => relay.relay(method, request.params)) as never);
    }
  }
  return client;
}

export interface ConnectOptions {
  signal: AbortSignal;
  timeout: number;
  /** What the guarded HTTP client recorded (errors and oversized bodies), to classify a failure by. */
  failures: unknown[];
  /** An agent the upstream may ask (elicitation, sampling, roots), for a connection of one call's own. */
  relay?: ServerRequestRelay;
}

/**
 * Connects with the era negotiated per server: `server/discover` first (2026-07-28), as the SDK's
 * `auto` mode does. When that answer is not MCP at all (an error status, silence within a third of
 * the deadline, a body that is not JSON-RPC), the plain 2025 `initialize` handshake follows on a
 * fresh client: some 2025-era servers answer an unknown method with an HTTP error or not at all,
 * where the SDK's HTTP rule ("silence is an outage") would fail them. Network, TLS, guard and
 * credential failures are final: a second attempt would meet the same refusal.
 */
export async function connectNegotiated(
  sdk: ClientSdk,
  target: Pick<ProbeTarget, 'url' | 'transport'>,
  headers: Record<string, string>,
  fetch: FetchLike,
  options: ConnectOptions,
): Promise<Client> {
  const probeTimeoutMs = Math.max(100, Math.min(3000, Math.floor(options.timeout / 3)));
  // A client that failed to connect is closed before the error goes on.
  const attempt = async (mode: 'auto' | 'legacy') => {
    const client = newUpstreamClient(sdk, mode, probeTimeoutMs, options.relay);
    try {
      await client.connect(openUpstreamTransport(sdk, target, headers, fetch), { signal: options.signal, timeout: options.timeout });
      return client;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    }
  };
  try {
    return await attempt('auto');
  } catch (error) {
    if (options.signal.aborted || classifyFailure(error, false, 0, options.failures).reason.kind !== 'not_mcp') throw error;
  }
  return attempt('legacy');
}

/**
 * Connects to a stored server as the connection test and the MCP endpoint both do: the OAuth
 * client-credentials token first when the server has one (its request bounded by the same
 * signal), then the negotiated handshake. Every secret sent (the client's Basic credentials and
 * the fetched token) is added to `secrets` as soon as it exists, so the caller can scrub a
 * failure too.
 */
export async function connectUpstream(sdk: ClientSdk, target: ProbeTarget, fetch: FetchLike, options: ConnectOptions & { secrets: string[] }): Promise<Client> {
  const headers = { ...target.headers };
  if (target.grant) {
    const authorized = authorizedFetch(fetch, target.grant, target.url, (token) => {
      if (!options.secrets.includes(token)) options.secrets.push(token);
    });
    return connectNegotiated(sdk, target, headers, authorized, options);
  }
  // A server that wants OAuth says so in the WWW-Authenticate of its 401: kept for the connection test.
  const plain = fetch;
  const noting: FetchLike = async (url, init) => {
    const response = await plain(url, init);
    const challenge = response.status === 401 || response.status === 403 ? response.headers.get('www-authenticate') : null;
    if (challenge && options.failures.length < 50) options.failures.push(new ChallengeSeen(response.status, challenge.slice(0, 4096)));
    return response;
  };
  fetch = noting;
  if (target.oauth) {
    options.secrets.push(basicCredentials(target.oauth));
    const token = await fetchClientCredentialsToken((url, init) => fetch(url, { ...init, signal: options.signal }), target.oauth);
    options.secrets.push(token);
    headers.Authorization = `Bearer ${token}`;
  }
  return connectNegotiated(sdk, target, headers, fetch, options);
}

/** The transport the server is stored with, every request through the guarded fetch with the stored headers. */
export function openUpstreamTransport(sdk: ClientSdk, target: Pick<ProbeTarget, 'url' | 'transport'>, headers: Record<string, string>, fetch: FetchLike) {
  const url = new URL(target.url);
  const requestInit = { headers };
  return target.transport === 'sse'
    ? new sdk.SSEClientTransport(url, { requestInit, fetch: fetch as never })
    : new sdk.StreamableHTTPClientTransport(url, { requestInit, fetch: fetch as never });
}
