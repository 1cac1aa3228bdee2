import type { GatewayInterface } from '../shared/gateway-interface';
import { mcpErrorBody, sendMcpError } from './mcp.errors';
import { mcpRouter } from './mcp.router';

/**
 * The MCP endpoint, where agents connect: `/mcp/{server_id}` and `/mcp/orgs/{organization_id}`.
 * It has no key format of its own: it accepts every keyed interface's keys. It speaks MCP, so
 * it has no OpenAPI contract.
 */
export const mcpInterface: GatewayInterface = {
  name: 'mcp',
  mountPath: '/mcp',
  entryPoint: { rel: 'mcp', href: '/mcp/{server_id}', title: 'MCP endpoint for agents: one server, or /mcp/orgs/{organization_id} for an organization' },
  keyFormat: null,
  acceptsGatewayKeys: true,
  contract: null,
  router: mcpRouter,
  errorBody: mcpErrorBody,
  sendError: sendMcpError,
};
