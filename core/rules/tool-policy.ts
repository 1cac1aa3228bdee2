import type { DiscoveredTool, McpServer, ToolApprovalState } from '../model/server';
import { toolHash } from './tool-hash';

/** Whether the server's tool configuration lets agents use this tool. */
export function isToolEnabled(server: McpServer, toolName: string): boolean {
  const { enabled, allowedTools } = server.toolPolicy;
  return enabled && (allowedTools === null || allowedTools.includes(toolName));
}

export type LiveApprovalState = ToolApprovalState | 'stale';

/**
 * A discovered tool's approval under the server's policy. Per-tool approvals count only under
 * `require_approval_per_tool`; there, an approval whose hash no longer matches the tool's
 * current definition is `stale`, and a tool with no approval requires one.
 */
export function approvalStateOf(server: McpServer, tool: DiscoveredTool): LiveApprovalState {
  switch (server.toolPolicy.approvalPolicy) {
    case 'auto_approve_all':
      return 'auto_approved';
    case 'require_approval_all':
      return 'requires_approval';
    case 'require_approval_per_tool': {
      const approval = server.toolApprovals.find((a) => a.toolName === tool.name);
      if (!approval) return 'requires_approval';
      return approval.toolHash === toolHash(tool.description, tool.inputSchema) ? approval.state : 'stale';
    }
  }
}

/** Why the gateway refuses a tool to agents; every rule is documented in the README with an example. */
export type ToolRefusalRule = 'tools_disabled' | 'tool_not_allowed' | 'approval_required' | 'tool_stale';

/** Why a tool is neither listed nor callable by name alone: the server's tools are off, or the tool is not allowed. */
export function nameRefusal(server: McpServer, toolName: string): 'tools_disabled' | 'tool_not_allowed' | null {
  if (!server.toolPolicy.enabled) return 'tools_disabled';
  return isToolEnabled(server, toolName) ? null : 'tool_not_allowed';
}

/**
 * Whether a call needs the tool's current definition to be decided: only a per-tool approval
 * that would let it pass (its hash must still match). Everything else is decided by name.
 */
export function needsDefinition(server: McpServer, toolName: string): boolean {
  if (nameRefusal(server, toolName) !== null || server.toolPolicy.approvalPolicy !== 'require_approval_per_tool') return false;
  return server.toolApprovals.some((a) => a.toolName === toolName && a.state === 'auto_approved');
}

/**
 * Why a call is refused, or null when it may go to the upstream. `tool` is the current definition
 * when needsDefinition said so; otherwise the name decides (null).
 */
export function callRefusal(server: McpServer, name: string, tool: DiscoveredTool | null): ToolRefusalRule | null {
  const byName = nameRefusal(server, name);
  if (byName) return byName;
  if (tool === null) return server.toolPolicy.approvalPolicy === 'auto_approve_all' ? null : 'approval_required';
  const state = approvalStateOf(server, tool);
  if (state === 'auto_approved') return null;
  return state === 'stale' ? 'tool_stale' : 'approval_required';
}
