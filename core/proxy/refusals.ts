import type { ToolRefusalRule } from '../rules/tool-policy';

/** Every reason the MCP endpoint answers a message with an error of its own rather than the upstream's. */
export type RefusalRule =
  | ToolRefusalRule
  | 'approval_denied'
  | 'approval_expired'
  | 'unknown_tool'
  | 'call_timeout'
  | 'concurrency_limit'
  | 'upstream_unavailable'
  | 'upstream_invalid'
  | 'oauth_consent_required';

export interface RefusalFacts {
  tool?: string;
  /** The stored server's id. */
  server?: string;
  /** The limit that was reached, and the setting that holds it. */
  limit?: number;
  setting?: string;
  /** The upstream failure class, for upstream_unavailable. */
  failureClass?: string;
  /** The approval request a held call waits for (or that was denied or expired), its state and expiry (ISO 8601). */
  approvalRequestId?: string;
  status?: string;
  expiresAt?: string;
  reason?: string;
  /** Where the calling user consents to a per-user OAuth server (oauth_consent_required). */
  authorizationUrl?: string;
}

/**
 * A message the gateway refused or could not complete, as data: the rule, its facts, and the
 * core's sentence. The MCP interface renders it as a JSON-RPC error whose data carries both.
 */
export class ProxyRefusal extends Error {
  constructor(
    readonly rule: RefusalRule,
    readonly facts: RefusalFacts,
    message: string,
  ) {
    super(message);
    this.name = 'ProxyRefusal';
  }
}

const POLICY_WORDS: Record<ToolRefusalRule, (tool: string) => string> = {
  tools_disabled: () => 'Tools are disabled for this server (tool_configuration.enabled is false)',
  tool_not_allowed: (tool) => `Tool '${tool}' is not in this server's allowed_tools`,
  approval_required: (tool) => `Tool '${tool}' requires a human approval under this server's approval_policy`,
  tool_stale: (tool) => `Tool '${tool}' changed since it was approved (its definition no longer matches the approved tool_hash); it must be approved again`,
};

export function policyRefusal(rule: ToolRefusalRule, tool: string, server: string): ProxyRefusal {
  return new ProxyRefusal(rule, { tool, server }, POLICY_WORDS[rule](tool));
}

/** An upstream's JSON-RPC error, passed on with its code, and its message and data scrubbed. */
export class UpstreamRpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data: unknown,
  ) {
    super(message);
    this.name = 'UpstreamRpcError';
  }
}

/**
 * A call held for a person's decision: the request it waits for. The MCP interface answers it as
 * each agent can take it (an `input_required` round, or an error carrying the request's id and
 * where to decide); a retry of the same call passes once the request is approved.
 */
export class ApprovalPending extends ProxyRefusal {
  constructor(facts: RefusalFacts & { approvalRequestId: string; expiresAt: string }, tool: string, stale: boolean) {
    super(
      stale ? 'tool_stale' : 'approval_required',
      { ...facts, status: 'pending' },
      `${stale ? `Tool '${tool}' changed since it was approved, so this call` : `Tool '${tool}' requires a human approval; this call`} is held as approval request ${facts.approvalRequestId} until ${facts.expiresAt}. Retry the same call once it is approved`,
    );
    this.name = 'ApprovalPending';
  }

  get approvalRequestId(): string {
    return this.facts.approvalRequestId!;
  }
}
