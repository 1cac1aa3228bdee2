import type { GrantSource } from '../services/upstream-target';
import type { Principal } from '../model/principal';
import type { McpServer } from '../model/server';
import type { Cipher, Clock, Store } from '../ports';
import type { ConcurrencyLimit } from '../probe/concurrency-limit';
import type { RefusalRule } from './refusals';
import type { UpstreamPool } from './upstream-pool';
import type { ApprovalDesk } from '../services/approvals';
import type { AuditTrail } from '../services/audit-trail';

export interface ProxySettings {
  /** MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS: the deadline of one upstream request. */
  callTimeoutMs: number;
  /** How long a message may wait for an upstream slot of its organization. */
  queueTimeoutMs: number;
  /** Most organizations served by the aggregate endpoint's list at once (bounded fan-out). */
  aggregateFanOut: number;
}

/** What the upstream was asked on behalf of whom, and how it ended: one log line and the metrics. */
export interface ProxyCallEvent {
  serverId: string;
  organizationId: string;
  keyId: string;
  method: string;
  tool: string | null;
  /** Whether the tool is one the upstream listed (the last definitions seen): only such names label metrics. */
  toolKnown: boolean;
  /** ok; tool_error (the tool ran and reported isError); refused (a gateway rule); failed (upstream or limit). */
  outcome: 'ok' | 'tool_error' | 'refused' | 'failed';
  rule: RefusalRule | null;
  durationMs: number;
}

export interface ToolChangedEvent {
  serverId: string;
  organizationId: string;
  tool: string;
  previousHash: string;
  currentHash: string;
}

export interface ProxyEvents {
  call(event: ProxyCallEvent): void;
  toolChanged(event: ToolChangedEvent): void;
}

/** What every scope shares. */
export interface ScopeDeps {
  store: Store;
  cipher: Cipher;
  clock: Clock;
  pool: UpstreamPool;
  /** Upstream requests in flight, per organization. */
  limit: ConcurrencyLimit;
  settings: ProxySettings;
  events: ProxyEvents;
  /** Held calls become approval requests (without it, they are refused). */
  approvals?: ApprovalDesk;
  /** Every call is an audit event. */
  audit?: AuditTrail;
  /** OAuth grants of authorization-code servers. */
  grants?: GrantSource;
}

/** One downstream message's context: its cancellation and where upstream progress goes. */
export interface CallContext {
  principal: Principal;
  signal: AbortSignal;
  /** The agent's protocol era: a 2026-07-28 agent takes a held call as an `input_required` round. */
  era?: 'legacy' | 'modern';
  /** The approval request a 2026-07-28 retry names (from the gateway's own `requestState`). */
  approvalState?: string;
  /** Where a person decides on an approval request (the interface knows its public address). */
  decisionUrl?: (approvalRequestId: string) => string;
  /**
   * What the agent declared it can answer in a 2026-07-28 `input_required` round (elicitation,
   * sampling, roots): sent upstream as this request's client capabilities, so the upstream may ask.
   */
  inputCapabilities?: Record<string, unknown>;
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  /**
   * A 2025-era agent whose session declared it can answer server-to-client requests: the
   * upstream may ask it (elicitation, sampling, roots) while this call runs.
   */
  agent?: AgentChannel;
}

/** What a 2025-era agent declared it can answer, and how to ask it within the current call. */
export interface AgentChannel {
  capabilities: Record<string, unknown>;
  ask(method: string, params: Record<string, unknown> | undefined): Promise<unknown>;
}

/** A tool as the upstream described it (every field it sent, scrubbed), marked with the gateway's verdict. */
export type ListedTool = Record<string, unknown> & { name: string; description?: string; inputSchema: Record<string, unknown> };

export const APPROVAL_META_KEY = 'dev.mcp-gateway/approval';

/**
 * The 2026-07-28 `_meta` key of a request's client capabilities: the SDK's own
 * CLIENT_CAPABILITIES_META_KEY, written out so the core loads no SDK before it connects
 * anywhere (test/mcp/faithful.test.ts checks they are equal).
 */
export const CLIENT_CAPABILITIES_META_KEY = 'io.modelcontextprotocol/clientCapabilities';

export type { McpServer };
