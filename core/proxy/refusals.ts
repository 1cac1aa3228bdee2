import type { ToolRefusalRule } from '../rules/tool-policy';

/** Every reason the MCP endpoint answers a message with an error of its own rather than the upstream's. */
export type RefusalRule = ToolRefusalRule | 'unknown_tool' | 'call_timeout' | 'concurrency_limit' | 'upstream_unavailable' | 'upstream_invalid';

export interface RefusalFacts {
  tool?: string;
  /** The stored server's id. */
  server?: string;
  /** The limit that was reached, and the setting that holds it. */
  limit?: number;
  setting?: string;
  /** The upstream failure class, for upstream_unavailable. */
  failureClass?: string;
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
  approval_required: (tool) =>
    `Tool '${tool}' requires a human approval under this server's approval_policy; the gateway refuses it until it is approved (per-tool approval: auto_approved)`,
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
