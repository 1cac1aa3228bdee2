import type { GatewayInterface } from '../shared/gateway-interface';
import { registryErrorBody, sendRegistryError } from './registry.errors';
import { registryRouter } from './registry.router';

/**
 * Each organization's servers as an MCP Registry (`modelcontextprotocol/registry`, API v0.1),
 * read-only, at `/registry/{org_id}`: what IDEs set to "registry only" discover. Every entry
 * points at this gateway's MCP endpoint for the server, never at the upstream.
 */
export const registryInterface: GatewayInterface = {
  name: 'registry',
  mountPath: '/registry',
  entryPoint: { rel: 'registry', href: '/registry/{organization_id}/v0.1/servers', title: 'MCP Registry API (v0.1) of an organization' },
  keyFormat: null,
  // Gateway keys and registry tokens: failed attempts count per address, reads per key or token.
  acceptsGatewayKeys: true,
  contract: null,
  router: registryRouter,
  errorBody: (problem) => registryErrorBody(problem),
  sendError: sendRegistryError,
};
