import type { DiscoveredTool, Transport } from './server';

/** `busy`: the test never started (no probe slot in time); it says nothing about the server and is never stored. */
export const FAILURE_CLASSES = ['transport', 'tls', 'timeout', 'auth', 'protocol', 'blocked', 'config', 'busy'] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export interface ClientCredentials {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope: string | null;
}

/** Everything needed to reach one server, with its secrets already decrypted. */
export interface ProbeTarget {
  /** Whose share of probe capacity the test uses. */
  organizationId: string;
  url: string;
  transport: Transport;
  /** Request headers plus the static auth header (bearer, api key, access token). */
  headers: Record<string, string>;
  oauth: ClientCredentials | null;
  /** Every secret value in play, masked out of any message the probe returns. */
  secrets: string[];
}

/**
 * Why a probe failed, as data: where it happens (a guard refusal, a socket error code, a token
 * endpoint's status, a missing secret) the probe records the facts, and core/probe/failure-reasons.ts
 * gives each its failure class and the gateway's sentence. `words` are the upstream's own, already
 * scrubbed of every secret the probe sent (null when they must not be shown; `withheld` says why:
 * a secret too short to mask, or one still readable in them once decoded).
 */
export type ProbeFailureReason =
  | { kind: 'busy'; queueTimeoutMs: number }
  | { kind: 'deadline'; timeoutMs: number }
  | { kind: 'blocked_destination'; host: string; rule: string }
  | { kind: 'bad_port' }
  | { kind: 'redirect'; target: string | null }
  | { kind: 'response_too_large'; limitMb: number }
  | { kind: 'tls'; code: string | null; words: string | null }
  | { kind: 'connect_timeout'; code: string }
  | { kind: 'unreachable'; code: string }
  | { kind: 'closed_early' }
  | { kind: 'credentials_refused'; status: number | null }
  | { kind: 'token_refused'; status: number }
  | { kind: 'token_missing' }
  | { kind: 'not_mcp'; words: string | null; withheld: 'short' | 'encoded' | null; status: number | null }
  | { kind: 'schema_too_deep'; limit: number }
  | { kind: 'headers_undecryptable' }
  | { kind: 'secret_missing'; secretId: string }
  | { kind: 'secret_undecryptable'; secretId: string };

/** A failed probe: its reason, its class, and the sentence as it may be shown and stored (scrubbed). */
export interface ProbeFailureData {
  failureClass: FailureClass;
  reason: ProbeFailureReason;
  message: string;
}

export interface ProbeOutcome {
  success: boolean;
  failureClass: FailureClass | null;
  /** The failure as data; `failureClass` and `message` repeat its fields for the wire views. */
  failure: ProbeFailureData | null;
  message: string;
  latencyMs: number;
  protocolVersion: string | null;
  serverInfo: { name: string; version: string } | null;
  tools: DiscoveredTool[] | null;
}
