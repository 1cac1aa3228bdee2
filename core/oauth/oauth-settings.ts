import type { NetworkGuard } from '../probe/network-guard';
import type { Cipher, Clock, Store } from '../ports';

export interface OAuthSettings {
  /** Where people and authorization servers reach the gateway (MCP_GATEWAY_PUBLIC_URL): the redirect URI and the client metadata document live under it. */
  publicUrl: string;
  /** How long a started consent may take to come back. */
  flowTtlMs: number;
  /** Each outbound OAuth request (discovery, registration, token, revocation). */
  timeoutMs: number;
  /** An access token this close to its expiry is refreshed before it is used. */
  refreshSkewMs: number;
  /** How long one refresher holds a grant before others may take over. */
  refreshLeaseMs: number;
}

export const DEFAULT_OAUTH: Omit<OAuthSettings, 'publicUrl'> = { flowTtlMs: 600_000, timeoutMs: 10_000, refreshSkewMs: 60_000, refreshLeaseMs: 15_000 };

export interface OAuthDeps {
  store: Store;
  cipher: Cipher;
  clock: Clock;
  guard: NetworkGuard;
}
