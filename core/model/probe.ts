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

/**
 * A user's (or the organization's) OAuth grant for one upstream, as the connection uses it: the
 * current access token, refreshed before it expires, renewed after a 401, and told when the
 * upstream wants more scope. Tokens are sent only to `resource`'s origin.
 */
export interface UpstreamGrant {
  /** The grant's id: a new consent is a new connection. */
  id: string;
  resource: string;
  token(signal?: AbortSignal): Promise<string>;
  /** The upstream refused `rejected` (HTTP 401): a token it should accept, or a ProbeFailure. */
  renew(rejected: string, signal?: AbortSignal): Promise<string>;
  /** The upstream answered 403 insufficient_scope, asking for `scope`. */
  insufficientScope(scope: string | null): Promise<void>;
  /** The upstream refused `token` even just after it was renewed: the grant needs a new consent. */
  refused(token: string): Promise<void>;
}

/** What a 401 or 403 said in its WWW-Authenticate header (RFC 6750, RFC 9728). */
export interface AuthChallenge {
  resourceMetadataUrl: string | null;
  scope: string | null;
  error: string | null;
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
  /** The OAuth grant whose tokens the connection sends (authorization-code servers). */
  grant?: UpstreamGrant | null;
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
  | { kind: 'credentials_refused'; status: number | null; challenge?: AuthChallenge | null }
  | { kind: 'oauth_discovery'; step: OAuthStep; detail: string }
  | { kind: 'oauth_consent_required'; issuer: string | null; perUser: boolean }
  | { kind: 'oauth_reconnect'; why: string }
  | { kind: 'oauth_step_up'; scope: string }
  | { kind: 'oauth_refresh_failed'; detail: string }
  | { kind: 'token_refused'; status: number }
  | { kind: 'token_missing' }
  | { kind: 'not_mcp'; words: string | null; withheld: 'short' | 'encoded' | null; status: number | null }
  | { kind: 'schema_too_deep'; limit: number }
  | { kind: 'headers_undecryptable' }
  | { kind: 'secret_missing'; secretId: string }
  | { kind: 'secret_undecryptable'; secretId: string };

/** The steps of connecting an OAuth server, as failures name them. */
export type OAuthStep = 'challenge' | 'protected_resource_metadata' | 'authorization_server_metadata' | 'client_registration' | 'token_request';

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
