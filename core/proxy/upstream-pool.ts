import type { Client } from '@modelcontextprotocol/client';
import type { ProbeTarget } from '../model/probe';
import { guardedHttp, type GuardedHttp } from '../probe/guarded-fetch';
import type { NetworkGuard } from '../probe/network-guard';
import { classifyFailure, ProbeFailure, sanitizeMessage } from '../probe/probe-failure';
import { SecretScrubber } from '../probe/secret-scrub';
import { connectUpstream, loadClientSdk, type RelayedRequest, type ServerRequestRelay } from '../probe/upstream-client';
import { ProxyRefusal, UpstreamRpcError } from './refusals';

/** The upstream could not be reached: why, as the connection test would word it (scrubbed). */
export class UpstreamUnavailable extends Error {
  constructor(readonly failure: ProbeFailure) {
    super(failure.message);
    this.name = 'UpstreamUnavailable';
  }
}

/** One connected upstream: the SDK client, its guarded HTTP client, and the scrubber for what it sent. */
export interface UpstreamConnection {
  readonly client: Client;
  /** Every secret this connection sends (stored ones, and a fetched OAuth token), masked out of every answer. */
  readonly scrubber: SecretScrubber;
}

/** An agent the upstream may ask during one call; `ask` gets the connection's scrubber, for what the upstream sent. */
export interface AgentRelay {
  capabilities: Record<string, unknown>;
  /** Pooled (shared by every agent that declared the same): asks nobody, the upstream's requests are refused. */
  shared?: boolean;
  ask(method: RelayedRequest, params: Record<string, unknown> | undefined, scrubber: SecretScrubber): Promise<unknown>;
}

interface Entry {
  connection: Promise<UpstreamConnection>;
  http: GuardedHttp | null;
  lastUsed: number;
  inFlight: number;
  /** When a failed connect stops being the answer for this key (a short negative cache). */
  failedUntil: number | null;
}

/** How long a failed connect is answered from memory: a dead upstream costs one connect timeout per few seconds, not one per message. */
const FAILED_CONNECT_TTL_MS = 5000;

export interface PoolSettings {
  /** The deadline of one connect (negotiation and handshake). */
  connectTimeoutMs: number;
  /** A connection unused this long is closed. */
  idleMs: number;
  /** Connections held at once; the least recently used idle one is closed past it. */
  maxConnections: number;
}

/**
 * Connected upstream clients, one per stored server and configuration (the key names both, so an
 * edit of the URL, auth, headers or secret never reuses a connection made with the old ones).
 * Held in this process only, and only as a cache: any instance connects on its own when it
 * needs to, so nothing an agent relies on lives here. Every socket goes through the SSRF guard.
 */
export class UpstreamPool {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly guard: NetworkGuard,
    private readonly settings: PoolSettings,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.min(settings.idleMs, 30_000)));
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Runs `work` on the connection for `key`, connecting first when there is none. A failure
   * that is neither the upstream's JSON-RPC answer nor the caller's own timeout or cancellation
   * (a dropped socket, an expired token's 401) discards the connection, so the next call
   * connects afresh. Connect failures are UpstreamUnavailable.
   */
  async use<T>(
    key: string,
    target: () => Promise<ProbeTarget>,
    work: (connection: UpstreamConnection) => Promise<T>,
    signal?: AbortSignal,
    agent?: AgentRelay,
  ): Promise<T> {
    const entry = this.entryFor(key, target, agent);
    try {
      // A failed connect rejects here and leaves the entry: it is the answer until it expires.
      const connection = await entry.connection;
      try {
        return await work(connection);
      } catch (error) {
        if (!keepsConnection(error) && !signal?.aborted) this.discard(key, entry);
        throw error;
      }
    } finally {
      entry.inFlight -= 1;
      entry.lastUsed = Date.now();
    }
  }

  /**
   * Runs `work` on a connection of its own, made for this one call and closed after it: the
   * upstream's server-to-client requests on it can only belong to this call, so they go to its
   * agent. Connect failures are UpstreamUnavailable.
   */
  async dedicated<T>(
    key: string,
    target: () => Promise<ProbeTarget>,
    agent: AgentRelay,
    work: (connection: UpstreamConnection) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    // A server whose connect just failed stays failed for everyone, asking calls included.
    const known = this.entries.get(key);
    if (known?.failedUntil != null && known.failedUntil > Date.now()) await known.connection;
    const entry: Entry = { connection: Promise.resolve(null as never), http: null, lastUsed: Date.now(), inFlight: 1, failedUntil: null };
    entry.connection = this.connect(entry, target, agent, signal);
    entry.connection.catch(() => {
      if (signal?.aborted || this.entries.has(key)) return;
      entry.failedUntil = Date.now() + FAILED_CONNECT_TTL_MS;
      entry.inFlight = 0;
      this.entries.set(key, entry);
    });
    try {
      return await work(await entry.connection);
    } finally {
      // Closed at once, upstream session included (unless it became the key's failed entry).
      if (this.entries.get(key) !== entry) await closeEntry(entry);
    }
  }

  /** What the upstream offers, connecting when needed; no slot is taken (a connection is made once per key). */
  capabilities(key: string, target: () => Promise<ProbeTarget>): Promise<Record<string, unknown>> {
    return this.use(key, target, async ({ client }) => (client.getServerCapabilities() ?? {}) as Record<string, unknown>);
  }

  /** The entry for `key`, opened when there is none (or its failed connect has expired), counted in flight. */
  private entryFor(key: string, target: () => Promise<ProbeTarget>, agent?: AgentRelay): Entry {
    let entry = this.entries.get(key);
    if (entry?.failedUntil != null && entry.failedUntil <= Date.now()) {
      this.entries.delete(key);
      entry = undefined;
    }
    if (!entry) {
      entry = this.open(target, agent);
      this.entries.set(key, entry);
    }
    // Counted before eviction runs, so a new entry never evicts itself.
    entry.inFlight += 1;
    entry.lastUsed = Date.now();
    this.evictPastLimit();
    return entry;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const entries = [...this.entries.entries()];
    this.entries.clear();
    await Promise.all(entries.map(([, entry]) => closeEntry(entry)));
  }

  private open(target: () => Promise<ProbeTarget>, agent?: AgentRelay): Entry {
    const entry: Entry = { connection: Promise.resolve(null as never), http: null, lastUsed: Date.now(), inFlight: 0, failedUntil: null };
    entry.connection = this.connect(entry, target, agent);
    // A failed connect is the answer for a few seconds, then the next message connects afresh.
    entry.connection.catch(() => {
      entry.failedUntil = Date.now() + FAILED_CONNECT_TTL_MS;
    });
    return entry;
  }

  private async connect(entry: Entry, targetOf: () => Promise<ProbeTarget>, agent?: AgentRelay, signal?: AbortSignal): Promise<UpstreamConnection> {
    let target: ProbeTarget;
    try {
      target = await targetOf();
    } catch (error) {
      throw error instanceof ProbeFailure ? new UpstreamUnavailable(error) : error;
    }
    const sdk = await loadClientSdk();
    const timeout = this.settings.connectTimeoutMs;
    const http = await guardedHttp(this.guard, null, timeout, { keepAlive: true, traceTo: target.url });
    entry.http = http;
    const secrets = [...target.secrets];
    const deadline = signal ? AbortSignal.any([AbortSignal.timeout(timeout), signal]) : AbortSignal.timeout(timeout);
    // Read when the upstream asks, so a token fetched while connecting is masked too.
    const relay: ServerRequestRelay | undefined = agent && {
      capabilities: agent.capabilities,
      relay: (method, params) => agent.ask(method, params, new SecretScrubber(secrets)),
    };
    try {
      const client = await connectUpstream(sdk, target, http.fetch, { signal: deadline, timeout, failures: http.failures, secrets, relay });
      // An OAuth connection's token changes when it is refreshed: the scrubber follows what was sent.
      let scrubber = new SecretScrubber(secrets);
      let known = secrets.length;
      return {
        client,
        get scrubber() {
          if (secrets.length !== known) {
            scrubber = new SecretScrubber(secrets);
            known = secrets.length;
          }
          return scrubber;
        },
      };
    } catch (error) {
      await http.close().catch(() => undefined);
      const scrubber = new SecretScrubber(secrets);
      const failure = classifyFailure(error, deadline.aborted, timeout, http.failures, (text) => scrubber.words(text));
      throw new UpstreamUnavailable(failure.withMessage(sanitizeMessage(failure.message, scrubber)));
    }
  }

  private discard(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    void closeEntry(entry);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.inFlight === 0 && now - entry.lastUsed >= this.settings.idleMs) this.discard(key, entry);
  }

  private evictPastLimit(): void {
    if (this.entries.size <= this.settings.maxConnections) return;
    const idle = [...this.entries.entries()].filter(([, e]) => e.inFlight === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [key, entry] of idle.slice(0, this.entries.size - this.settings.maxConnections)) this.discard(key, entry);
  }
}

async function closeEntry(entry: Entry): Promise<void> {
  const connection = await entry.connection.catch(() => null);
  // A 2025-era Streamable HTTP upstream keeps a session per connection until told (DELETE).
  const transport = connection?.client.transport as { terminateSession?: () => Promise<void>; sessionId?: string } | undefined;
  if (transport?.sessionId) await transport.terminateSession?.().catch(() => undefined);
  await connection?.client.close().catch(() => undefined);
  await entry.http?.close().catch(() => undefined);
}

/**
 * Whether the connection survives this failure: the upstream's JSON-RPC answer, the gateway's
 * own verdict on an answer (a timeout, an answer it does not pass on), or the SDK's timeout. Only
 * a broken connection (a dropped socket, an expired token's 401) is discarded, since closing it
 * fails every other call in flight on it.
 */
function keepsConnection(error: unknown): boolean {
  if (error instanceof UpstreamRpcError) return true;
  if (error instanceof ProxyRefusal) return error.rule !== 'upstream_unavailable';
  return isJsonRpcAnswer(error) || isTimeout(error);
}

/** The SDK's request timeout (the connection may be fine: the call was slow). */
export function isTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'REQUEST_TIMEOUT';
}

/** The upstream answered with a JSON-RPC error: the connection itself is fine. */
export function isJsonRpcAnswer(error: unknown): boolean {
  const e = error as { name?: string; code?: unknown } | null;
  return e?.name === 'ProtocolError' || (typeof e?.code === 'number' && Number.isInteger(e.code) && e.code < 0);
}
