import type { Client } from '@modelcontextprotocol/client';
import type { ProbeTarget } from '../model/probe';
import { guardedHttp, type GuardedHttp } from '../probe/guarded-fetch';
import type { NetworkGuard } from '../probe/network-guard';
import { basicCredentials, fetchClientCredentialsToken } from '../probe/oauth-token';
import { classifyFailure, ProbeFailure, sanitizeMessage } from '../probe/probe-failure';
import { SecretScrubber } from '../probe/secret-scrub';
import { connectNegotiated, loadClientSdk } from '../probe/upstream-client';

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
  /** What the guarded HTTP client recorded, to classify a failure by. */
  readonly failures: unknown[];
}

interface Entry {
  connection: Promise<UpstreamConnection>;
  http: GuardedHttp | null;
  lastUsed: number;
  inFlight: number;
}

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
  async use<T>(key: string, target: () => Promise<ProbeTarget>, work: (connection: UpstreamConnection) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = this.open(key, target);
      this.entries.set(key, entry);
      this.evictPastLimit();
    }
    entry.inFlight += 1;
    entry.lastUsed = Date.now();
    try {
      const connection = await entry.connection;
      return await work(connection);
    } catch (error) {
      if (!isJsonRpcAnswer(error) && !isTimeout(error) && !signal?.aborted) this.discard(key, entry);
      throw error;
    } finally {
      entry.inFlight -= 1;
      entry.lastUsed = Date.now();
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const entries = [...this.entries.entries()];
    this.entries.clear();
    await Promise.all(entries.map(([, entry]) => closeEntry(entry)));
  }

  private open(key: string, target: () => Promise<ProbeTarget>): Entry {
    const entry: Entry = { connection: Promise.resolve(null as never), http: null, lastUsed: Date.now(), inFlight: 0 };
    entry.connection = this.connect(entry, target);
    // A failed connect is never reused.
    entry.connection.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry;
  }

  private async connect(entry: Entry, targetOf: () => Promise<ProbeTarget>): Promise<UpstreamConnection> {
    let target: ProbeTarget;
    try {
      target = await targetOf();
    } catch (error) {
      throw error instanceof ProbeFailure ? new UpstreamUnavailable(error) : error;
    }
    const sdk = await loadClientSdk();
    const timeout = this.settings.connectTimeoutMs;
    const http = await guardedHttp(this.guard, null, timeout, { keepAlive: true });
    entry.http = http;
    const secrets = [...target.secrets];
    const deadline = AbortSignal.timeout(timeout);
    const headers = { ...target.headers };
    try {
      if (target.oauth) {
        secrets.push(basicCredentials(target.oauth));
        const token = await fetchClientCredentialsToken((url, init) => http.fetch(url, { ...init, signal: deadline }), target.oauth);
        secrets.push(token);
        headers.Authorization = `Bearer ${token}`;
      }
      const client = await connectNegotiated(sdk, target, headers, http.fetch, { signal: deadline, timeout, failures: http.failures });
      return { client, scrubber: new SecretScrubber(secrets), failures: http.failures };
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
  await connection?.client.close().catch(() => undefined);
  await entry.http?.close().catch(() => undefined);
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
