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

export interface ProbeOutcome {
  success: boolean;
  failureClass: FailureClass | null;
  message: string;
  latencyMs: number;
  protocolVersion: string | null;
  serverInfo: { name: string; version: string } | null;
  tools: DiscoveredTool[] | null;
}

