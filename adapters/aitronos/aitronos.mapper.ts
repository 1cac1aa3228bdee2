import { ValidationError } from '../../core/errors';
import type { Credentials, NewServer, ServerPatch, ServerQuery } from '../../core/model/input';
import type { AuthType, McpServer, Transport } from '../../core/model/server';
import type { ProbeOutcome } from '../../core/model/probe';
import { isToolEnabled } from '../../core/rules/tool-policy';
import { renamer } from '../shared/field-names';

/** Request bodies as the Aitronos contract admits them (the validator has checked the shapes). */
interface CredentialsBody {
  token?: string;
  api_key?: string;
  header_name?: string;
  client_id?: string;
  client_secret?: string;
  token_url?: string;
  scope?: string | null;
  access_token?: string;
}

interface ToolConfigurationBody {
  enabled?: boolean;
  allowed_tools?: string[] | null;
}

export interface AitronosCreateBody {
  name: string;
  organization_id: string;
  server_url: string;
  transport_type: string;
  auth_type: string;
  credentials?: CredentialsBody;
  tool_configuration?: ToolConfigurationBody;
}

export interface AitronosUpdateBody {
  name?: string;
  server_url?: string;
  is_active?: boolean;
  credentials?: CredentialsBody;
  tool_configuration?: ToolConfigurationBody;
}

const AUTH_TYPES: Record<string, AuthType> = { none: 'none', api_key: 'api_key', bearer_token: 'bearer', bearer: 'bearer', oauth: 'oauth' };
const AUTH_TYPE_NAMES: Record<AuthType, string> = { none: 'none', api_key: 'api_key', bearer: 'bearer_token', oauth: 'oauth' };

function toTransport(value: string): Transport {
  if (value === 'sse' || value === 'streamable_http') return value;
  throw new ValidationError(
    'transport_type',
    value === 'stdio'
      ? "transport_type 'stdio' is not supported: a hosted gateway cannot start a local process; use 'sse' or 'streamable_http'"
      : "transport_type must be 'sse' or 'streamable_http'",
  );
}

function toCredentials(body: CredentialsBody | undefined): Credentials {
  if (!body) return {};
  return {
    token: body.token,
    apiKey: body.api_key,
    headerName: body.header_name,
    clientId: body.client_id,
    clientSecret: body.client_secret,
    tokenUrl: body.token_url,
    scope: body.scope,
    accessToken: body.access_token,
  };
}

export function fromAitronosCreate(body: AitronosCreateBody): NewServer {
  const authType = AUTH_TYPES[body.auth_type];
  if (!authType) throw new ValidationError('auth_type', 'auth_type must be one of none, api_key, bearer_token, oauth');
  return {
    organizationId: body.organization_id,
    name: body.name,
    url: body.server_url,
    transport: toTransport(body.transport_type),
    auth: { type: authType, credentials: toCredentials(body.credentials) },
    enabled: body.tool_configuration?.enabled,
    allowedTools: body.tool_configuration?.allowed_tools,
  };
}

export function fromAitronosUpdate(body: AitronosUpdateBody): ServerPatch {
  return {
    name: body.name,
    url: body.server_url,
    isActive: body.is_active,
    auth: body.credentials === undefined ? undefined : { credentials: toCredentials(body.credentials) },
    enabled: body.tool_configuration?.enabled,
    allowedTools: body.tool_configuration?.allowed_tools,
  };
}

export function fromAitronosListQuery(query: Record<string, unknown>): ServerQuery {
  return {
    organizationId: String(query.organization_id),
    type: query.type as ServerQuery['type'],
    isActive: query.is_active === undefined ? undefined : query.is_active === true || query.is_active === 'true',
    limit: query.limit === undefined ? undefined : Number(query.limit),
    offset: query.offset === undefined ? undefined : Number(query.offset),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The Config response: a whitelist, so no stored field reaches the wire unless named here. */
export function toAitronosConfig(s: McpServer) {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    organizationId: s.organizationId,
    userId: s.ownerId,
    serverUrl: s.url,
    transportType: s.transport,
    authType: AUTH_TYPE_NAMES[s.auth.type],
    isActive: s.isActive,
    connectionStatus: s.connection.status,
    lastConnectedAt: s.connection.lastConnectedAt === null ? null : iso(s.connection.lastConnectedAt),
    errorMessage: s.connection.errorMessage,
    toolConfiguration: { enabled: s.toolPolicy.enabled, allowedTools: s.toolPolicy.allowedTools },
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.updatedAt),
  };
}

/** The connection test result, snake_case as in the generated client. */
export function toAitronosTestResult(server: McpServer, outcome: ProbeOutcome) {
  const names = outcome.tools?.map((t) => t.name) ?? null;
  return {
    success: outcome.success,
    status: outcome.success ? ('connected' as const) : ('failed' as const),
    message: outcome.message,
    available_tools: names,
    enabled_tools: names?.filter((name) => isToolEnabled(server, name)) ?? null,
    failure_class: outcome.failureClass,
    latency_ms: outcome.latencyMs,
    protocol_version: outcome.protocolVersion,
    server_info: outcome.serverInfo,
  };
}

/** A core field name (`auth.apiKey`, `allowedTools[2]`) in this dialect's words. */
export const toAitronosField = renamer(
  {
    url: 'server_url',
    organizationId: 'organization_id',
    'auth.token': 'credentials.token',
    'auth.apiKey': 'credentials.api_key',
    'auth.headerName': 'credentials.header_name',
    'auth.clientId': 'credentials.client_id',
    'auth.clientSecret': 'credentials.client_secret',
    'auth.tokenUrl': 'credentials.token_url',
    'auth.scope': 'credentials.scope',
    'auth.accessToken': 'credentials.access_token',
    'auth.secretId': 'credentials',
  },
  [['allowedTools', 'tool_configuration.allowed_tools']],
);
