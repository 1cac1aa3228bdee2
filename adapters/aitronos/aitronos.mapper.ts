import { ValidationError } from '../../core/errors';
import type { Credentials, NewServer, ServerPatch, ServerQuery } from '../../core/model/input';
import type { McpServer, Transport } from '../../core/model/server';
import type { ProbeOutcome } from '../../core/model/probe';
import { isToolEnabled } from '../../core/rules/tool-policy';
import { renamer } from '../shared/field-names';
import { everyFieldRead, lookup } from '../shared/wire-checks';
import { AITRONOS_AUTH_TYPES_IN, AITRONOS_AUTH_TYPES_OUT, AITRONOS_TRANSPORTS_IN, AITRONOS_TRANSPORTS_OUT } from './aitronos.vocabulary';
import type { components, operations } from './aitronos.wire';

/**
 * Every shape below is the contract's (schemas/aitronos.openapi.yaml, generated into
 * aitronos.wire.ts): a field the contract gains or loses is a compiler error in this file until
 * it is mapped (requests: `everyFieldRead`; responses: the declared return types).
 */
type Schemas = components['schemas'];
export type AitronosCreateBody = Schemas['CreateConfiguration'];
export type AitronosUpdateBody = Schemas['UpdateConfiguration'];
type CredentialsBody = Schemas['Credentials'];
type ToolConfigurationBody = Schemas['ToolConfigurationInput'];
type ListQuery = NonNullable<operations['listMcpConfigurations']['parameters']['query']>;

function toTransport(value: string): Transport {
  const transport = lookup(AITRONOS_TRANSPORTS_IN, value);
  if (transport) return transport;
  throw new ValidationError(
    'transport_type',
    value === 'stdio'
      ? "transport_type 'stdio' is not supported: a hosted gateway cannot start a local process; use 'sse' or 'streamable_http'"
      : "transport_type must be 'sse' or 'streamable_http'",
  );
}

function toCredentials(body: CredentialsBody | undefined): Credentials {
  if (!body) return {};
  const { token, api_key, header_name, client_id, client_secret, token_url, scope, access_token, grant_type, per_user, ...unread } = body;
  everyFieldRead(unread);
  return {
    token,
    apiKey: api_key,
    headerName: header_name,
    clientId: client_id,
    clientSecret: client_secret,
    tokenUrl: token_url,
    scope,
    accessToken: access_token,
    grantType: grant_type,
    perUser: per_user,
  };
}

function toToolPolicy(body: ToolConfigurationBody | undefined): Pick<NewServer, 'enabled' | 'allowedTools'> {
  const { enabled, allowed_tools, ...unread } = body ?? {};
  everyFieldRead(unread);
  return { enabled, allowedTools: allowed_tools };
}

export function fromAitronosCreate(body: AitronosCreateBody): NewServer {
  const { name, organization_id, server_url, transport_type, auth_type, credentials, tool_configuration, ...unread } = body;
  everyFieldRead(unread);
  const authType = lookup(AITRONOS_AUTH_TYPES_IN, auth_type);
  if (!authType) throw new ValidationError('auth_type', { rule: 'one_of', allowed: Object.values(AITRONOS_AUTH_TYPES_OUT) });
  return {
    organizationId: organization_id,
    name,
    url: server_url,
    transport: toTransport(transport_type),
    auth: { type: authType, credentials: toCredentials(credentials) },
    ...toToolPolicy(tool_configuration),
  };
}

export function fromAitronosUpdate(body: AitronosUpdateBody): ServerPatch {
  const { name, server_url, is_active, credentials, tool_configuration, ...unread } = body;
  everyFieldRead(unread);
  return {
    name,
    url: server_url,
    isActive: is_active,
    auth: credentials === undefined ? undefined : { credentials: toCredentials(credentials) },
    ...toToolPolicy(tool_configuration),
  };
}

/** The validator has checked each parameter; a boolean may still arrive as its text. */
export function fromAitronosListQuery(query: Record<string, unknown>): ServerQuery {
  const { organization_id, type, is_active, limit, offset, ...unread } = query as { [K in keyof ListQuery]-?: unknown };
  everyFieldRead(unread);
  return {
    organizationId: String(organization_id),
    type: type as ListQuery['type'],
    isActive: is_active === undefined ? undefined : is_active === true || is_active === 'true',
    limit: limit === undefined ? undefined : Number(limit),
    offset: offset === undefined ? undefined : Number(offset),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The Config response: a whitelist, so no stored field reaches the wire unless named here. */
export function toAitronosConfig(s: McpServer): Schemas['Configuration'] {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    organizationId: s.organizationId,
    userId: s.ownerId,
    serverUrl: s.url,
    transportType: AITRONOS_TRANSPORTS_OUT[s.transport],
    authType: AITRONOS_AUTH_TYPES_OUT[s.auth.type],
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
export function toAitronosTestResult(server: McpServer, outcome: ProbeOutcome): Schemas['ConnectionTestResult'] {
  const names = outcome.tools?.map((t) => t.name) ?? null;
  return {
    success: outcome.success,
    status: outcome.success ? 'connected' : 'failed',
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
    'auth.grantType': 'credentials.grant_type',
    'auth.perUser': 'credentials.per_user',
    'auth.secretId': 'credentials',
  },
  [['allowedTools', 'tool_configuration.allowed_tools']],
);
