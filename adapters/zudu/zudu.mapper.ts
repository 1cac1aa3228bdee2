import { ValidationError } from '../../core/errors';
import { REDACTED, type NewServer, type ServerPatch, type ServerQuery, type SortField } from '../../core/model/input';
import type { ApprovalPolicy, DiscoveredTool, McpServer, ToolApproval, ToolApprovalState, Transport } from '../../core/model/server';
import { approvalStateOf, isToolEnabled } from '../../core/rules/tool-policy';
import type { NewToolApproval } from '../../core/services/server-registry';
import type { SecretView } from '../../core/services/secret-vault';
import { renamer } from '../shared/field-names';

type ZuduTransport = 'SSE' | 'STREAMABLE_HTTP';

/** A server config as the Zudu contract admits it (the validator has checked the shapes). */
export interface ZuduServerConfig {
  url?: string;
  name?: string;
  approval_policy?: ApprovalPolicy;
  transport?: ZuduTransport;
  description?: string;
  request_headers?: Record<string, string>;
  secret_token?: { secret_id: string } | null;
}

export type ZuduPatchBody = ZuduServerConfig & { config?: ZuduServerConfig };

const TRANSPORT_IN: Record<ZuduTransport, Transport> = { SSE: 'sse', STREAMABLE_HTTP: 'streamable_http' };
const TRANSPORT_OUT: Record<Transport, ZuduTransport> = { sse: 'SSE', streamable_http: 'STREAMABLE_HTTP' };

export function fromZuduCreate(config: Required<Pick<ZuduServerConfig, 'url' | 'name'>> & ZuduServerConfig, organizationId: string): NewServer {
  return {
    organizationId,
    name: config.name,
    description: config.description ?? '',
    url: config.url,
    transport: TRANSPORT_IN[config.transport ?? 'SSE'],
    auth: config.secret_token ? { type: 'bearer', credentials: { secretId: config.secret_token.secret_id } } : { type: 'none', credentials: {} },
    requestHeaders: config.request_headers ?? {},
    approvalPolicy: config.approval_policy ?? 'auto_approve_all',
  };
}

/** The PATCH body, `{config: {…}}` or flat. */
export function unwrapZuduPatch(body: ZuduPatchBody): ZuduServerConfig {
  const { config, ...flat } = body;
  if (config !== undefined && Object.keys(flat).length > 0) {
    throw new ValidationError('body', `body must hold either config or the fields flat, not both (found config and ${Object.keys(flat).join(', ')})`);
  }
  return config ?? flat;
}

/**
 * Which form a body used decides how errors name its fields: `config.url` when it wrapped them
 * in `config` (create always does; a PATCH may), `url` when flat. The contract admits `config`
 * in no other body.
 */
export function zuduFieldPrefix(body: unknown): string {
  return body !== null && typeof body === 'object' && Object.hasOwn(body, 'config') ? 'config.' : '';
}

export function fromZuduPatch(config: ZuduServerConfig): ServerPatch {
  return {
    name: config.name,
    url: config.url,
    description: config.description,
    transport: config.transport === undefined ? undefined : TRANSPORT_IN[config.transport],
    approvalPolicy: config.approval_policy,
    requestHeaders: config.request_headers,
    auth: config.secret_token ? { type: 'bearer', credentials: { secretId: config.secret_token.secret_id } } : undefined,
    clearBearer: config.secret_token === null,
  };
}

export interface ZuduListQuery {
  page: number;
  limit: number;
  sort: SortField;
  order: 'asc' | 'desc';
  search: string | null;
}

export function fromZuduListQuery(query: Record<string, unknown>): ZuduListQuery {
  const search = typeof query.search === 'string' && query.search !== '' ? query.search : null;
  return {
    page: query.page === undefined ? 0 : Number(query.page),
    limit: query.limit === undefined ? 20 : Number(query.limit),
    sort: (query.sort as SortField | undefined) ?? 'created_at',
    order: (query.order as 'asc' | 'desc' | undefined) ?? 'desc',
    search,
  };
}

export function toCoreQuery(query: ZuduListQuery, organizationId: string): ServerQuery {
  return {
    organizationId,
    search: query.search ?? undefined,
    sort: query.sort,
    order: query.order,
    limit: query.limit,
    offset: query.page * query.limit,
  };
}

export function toZuduPage(query: ZuduListQuery, items: McpServer[], total: number) {
  const totalPages = Math.ceil(total / query.limit);
  return {
    servers: items.map(toZuduServer),
    total_count: total,
    page: query.page,
    limit: query.limit,
    total_pages: totalPages,
    has_next: query.page < totalPages - 1,
    has_previous: query.page > 0,
    filters: { search: query.search, sort: query.sort, order: query.order },
  };
}

export function fromZuduToolApproval(body: {
  tool_name: string;
  tool_description?: string | null;
  input_schema?: unknown;
  tool_hash?: string;
  approval_policy?: ToolApprovalState;
}): NewToolApproval {
  return {
    toolName: body.tool_name,
    toolDescription: body.tool_description,
    inputSchema: body.input_schema,
    toolHash: body.tool_hash,
    state: body.approval_policy,
  };
}

/** The server as in the seed's create response: a whitelist, never `{...record}`. */
export function toZuduServer(s: McpServer) {
  return {
    id: s.id,
    organization_id: s.organizationId,
    server_url: s.url,
    server_name: s.name,
    approval_policy: s.toolPolicy.approvalPolicy,
    transport: TRANSPORT_OUT[s.transport],
    description: s.description,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

const toZuduApproval = (a: ToolApproval) => ({ tool_name: a.toolName, tool_hash: a.toolHash, approval_policy: a.state });

/** GET one server: the seed's fields plus the detail fields; header values are masked. */
export function toZuduServerDetail(s: McpServer) {
  return {
    ...toZuduServer(s),
    request_headers: Object.fromEntries(Object.keys(s.requestHeaders).map((name) => [name, REDACTED])),
    secret_token_id: s.auth.type === 'bearer' ? s.auth.secretId : null,
    tool_approval_hashes: s.toolApprovals.map(toZuduApproval),
    dependent_agents: [] as unknown[],
  };
}

export function toZuduToolApproval(server: McpServer, approval: ToolApproval) {
  return { ...toZuduApproval(approval), server: { id: server.id, server_name: server.name, approval_policy: server.toolPolicy.approvalPolicy } };
}

/** The live tool list, each tool with its approval state under the server's policy. */
export function toZuduLiveTools(server: McpServer, tools: DiscoveredTool[]) {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: (tool.inputSchema ?? {}) as object,
    approval_state: approvalStateOf(server, tool),
    enabled: isToolEnabled(server, tool.name),
  }));
}

export function toZuduApprovalPolicy(s: McpServer) {
  return { id: s.id, organization_id: s.organizationId, server_name: s.name, approval_policy: s.toolPolicy.approvalPolicy, updated_at: s.updatedAt };
}

export function toZuduSecret(s: SecretView) {
  return {
    secret_id: s.id,
    name: s.name,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    used_by: s.usedBy.map((u) => ({ id: u.id, server_name: u.name })),
  };
}

const renameZudu = renamer(
  {
    'auth.secretId': 'secret_token.secret_id',
    secretId: 'secret_id',
    toolName: 'tool_name',
    toolHash: 'tool_hash',
    inputSchema: 'input_schema',
    approvalPolicy: 'approval_policy',
  },
  [['requestHeaders', 'request_headers']],
);

/** A core field in this dialect's words; server-config fields get the body's prefix (`config.`). */
export function toZuduField(field: string, prefix: string): string {
  const wire = renameZudu(field);
  const inConfig = ['url', 'name', 'description', 'transport', 'approval_policy'].includes(wire) || ['request_headers', 'secret_token'].some((p) => wire === p || wire.startsWith(`${p}.`));
  return inConfig ? prefix + wire : wire;
}
