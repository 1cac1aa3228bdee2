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
