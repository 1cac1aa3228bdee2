let counter = 0;

/** A unique, valid Aitronos create body; override any field. */
export function aitronosCreateBody(organizationId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    name: `Server ${counter} ${Math.random().toString(36).slice(2, 8)}`,
    organization_id: organizationId,
    server_url: `https://mcp${counter}.example.com/mcp`,
    transport_type: 'streamable_http',
    auth_type: 'none',
    ...overrides,
  };
}

/** The create request of the Aitronos seed page, byte for byte. */
export const SEED_AITRONOS_CREATE = `{
    "name": "My MCP Server",
    "organization_id": "org_abc123",
    "server_url": "https://mcp.example.com/sse",
    "transport_type": "sse",
    "auth_type": "bearer",
    "credentials": {
      "token": "my-bearer-token"
    }
  }`;

/** A unique, valid Zudu server config; override any field. */
export function zuduConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return { url: `https://zudu${counter}.example.com/mcp`, name: `Zudu server ${counter} ${Math.random().toString(36).slice(2, 8)}`, ...overrides };
}

/** The create request of the Zudu seed page, byte for byte, with its missing closing brace restored. */
export const SEED_ZUDU_CREATE = `{
    "config": {
      "url": "https://example.com/mcp-server",
      "name": "My MCP Server",
      "approval_policy": "auto_approve_all",
      "transport": "SSE",
      "description": "MCP server for customer support tools",
      "request_headers": {
        "Authorization": "Bearer token123"
      },
      "secret_token": {
        "secret_id": "secret_abc123"
      }
    }
  }`;
