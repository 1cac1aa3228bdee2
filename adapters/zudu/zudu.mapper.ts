import { ValidationError } from '../../core/errors';
import { REDACTED, type NewServer, type ServerPatch, type ServerQuery } from '../../core/model/input';
import type { DiscoveredTool, McpServer, ToolApproval } from '../../core/model/server';
import { approvalStateOf, isToolEnabled } from '../../core/rules/tool-policy';
import type { NewToolApproval } from '../../core/services/server-registry';
import type { SecretView } from '../../core/services/secret-vault';
import { renamer } from '../shared/field-names';
import { type Agree, type Differ, everyFieldRead, type NoneLeft, type Proven } from '../shared/wire-checks';
import { ZUDU_DEFAULTS, ZUDU_TRANSPORTS_IN, ZUDU_TRANSPORTS_OUT } from './zudu.vocabulary';
import type { components, operations } from './zudu.wire';

/**
 * Every shape below is the contract's (schemas/zudu.openapi.yaml, generated into zudu.wire.ts):
 * a field the contract gains or loses is a compiler error in this file until it is mapped
 * (requests: `everyFieldRead`; responses: the declared return types).
 */
type Schemas = components['schemas'];
/** The `data` of an operation's 200 answer. */
type Data<Op extends keyof operations> = operations[Op]['responses'] extends { 200: { content: { 'application/json': { data: infer D } } } } ? D : never;
type CreateConfig = Schemas['CreateServerConfig'];
export type ZuduServerConfig = Schemas['UpdateServerConfig'];
export type ZuduPatchBody = Schemas['UpdateServerRequest'];
type ToolApprovalBody = operations['addToolApproval']['requestBody']['content']['application/json'];
type ListParams = NonNullable<operations['listMcpServers']['parameters']['query']>;
// The flat PATCH form must carry exactly the fields of `config`.
export type ZuduPatchProofs = [
  NoneLeft<Differ<Exclude<keyof ZuduPatchBody, 'config'>, keyof ZuduServerConfig>>,
  Proven<Agree<Omit<ZuduPatchBody, 'config'>, ZuduServerConfig>>,
];

export function fromZuduCreate(config: CreateConfig, organizationId: string): NewServer {
  const { url, name, approval_policy, transport, description, request_headers, secret_token, ...unread } = config;
  everyFieldRead(unread);
  return {
    organizationId,
    name,
    description: description ?? '',
    url,
    transport: ZUDU_TRANSPORTS_IN[transport ?? ZUDU_DEFAULTS.transport],
    auth: secret_token ? { type: 'bearer', credentials: { secretId: secret_token.secret_id } } : { type: 'none', credentials: {} },
    requestHeaders: request_headers ?? {},
    approvalPolicy: approval_policy ?? ZUDU_DEFAULTS.approvalPolicy,
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
  const { url, name, approval_policy, transport, description, request_headers, secret_token, ...unread } = config;
  everyFieldRead(unread);
  return {
    name,
    url,
    description,
    transport: transport === undefined ? undefined : ZUDU_TRANSPORTS_IN[transport],
    approvalPolicy: approval_policy,
    requestHeaders: request_headers,
    auth: secret_token ? { type: 'bearer', credentials: { secretId: secret_token.secret_id } } : undefined,
    clearAuthOfType: secret_token === null ? 'bearer' : undefined,
  };
}

/** The list parameters with the contract's defaults applied; no search is `null`. */
export type ZuduListQuery = { [K in keyof ListParams]-?: K extends 'search' ? string | null : NonNullable<ListParams[K]> };

/** The validator has checked each parameter; numbers may still arrive as their text. */
export function fromZuduListQuery(query: Record<string, unknown>): ZuduListQuery {
  const { page, limit, sort, order, search, ...unread } = query as { [K in keyof ListParams]-?: unknown };
  everyFieldRead(unread);
  const paged = zuduPageOf(page, limit);
  return {
    page: paged.page,
    limit: paged.limit,
    sort: (sort as ZuduListQuery['sort'] | undefined) ?? ZUDU_DEFAULTS.list.sort,
    order: (order as ZuduListQuery['order'] | undefined) ?? ZUDU_DEFAULTS.list.order,
    search: typeof search === 'string' && search !== '' ? search : null,
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

export function toZuduPage(query: ZuduListQuery, items: McpServer[], total: number): Data<'listMcpServers'> {
  return {
    servers: items.map(toZuduServer),
    ...zuduPageFields(query.page, query.limit, total),
    filters: { search: query.search, sort: query.sort, order: query.order },
  };
}

/** A list query's `page` (from 0) and `limit` as read, with Zudu's defaults, and the offset they mean. */
export function zuduPageOf(page: unknown, limit: unknown): { page: number; limit: number; offset: number } {
  const p = page === undefined ? ZUDU_DEFAULTS.list.page : Number(page);
  const l = limit === undefined ? ZUDU_DEFAULTS.list.limit : Number(limit);
  return { page: p, limit: l, offset: p * l };
}

/** How every Zudu list answer describes its page. */
export function zuduPageFields(page: number, limit: number, total: number) {
  const totalPages = Math.ceil(total / limit);
  return { total_count: total, page, limit, total_pages: totalPages, has_next: page < totalPages - 1, has_previous: page > 0 };
}

export function fromZuduToolApproval(body: ToolApprovalBody): NewToolApproval {
  const { tool_name, tool_description, input_schema, tool_hash, approval_policy, ...unread } = body;
  everyFieldRead(unread);
  return { toolName: tool_name, toolDescription: tool_description, inputSchema: input_schema, toolHash: tool_hash, state: approval_policy };
}

/** The server as in the seed's create response: a whitelist, never `{...record}`. */
export function toZuduServer(s: McpServer): Schemas['Server'] {
  return {
    id: s.id,
    organization_id: s.organizationId,
    server_url: s.url,
    server_name: s.name,
    approval_policy: s.toolPolicy.approvalPolicy,
    transport: ZUDU_TRANSPORTS_OUT[s.transport],
    description: s.description,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

type ApprovalHash = Schemas['ServerDetail']['tool_approval_hashes'][number];
const toZuduApproval = (a: ToolApproval): ApprovalHash => ({ tool_name: a.toolName, tool_hash: a.toolHash, approval_policy: a.state });

/** GET one server: the seed's fields plus the detail fields; header values are masked. */
export function toZuduServerDetail(s: McpServer): Schemas['ServerDetail'] {
  return {
    ...toZuduServer(s),
    request_headers: Object.fromEntries(Object.keys(s.requestHeaders).map((name) => [name, REDACTED] as const)),
    secret_token_id: s.auth.type === 'bearer' ? s.auth.secretId : null,
    ...(s.auth.type === 'oauth' && s.auth.grant === 'authorization_code'
      ? { oauth: { per_user: s.auth.perUser, client_id: s.auth.clientId, scope: s.auth.scope } }
      : {}),
    tool_approval_hashes: s.toolApprovals.map(toZuduApproval),
    dependent_agents: [],
  };
}

export function toZuduToolApproval(server: McpServer, approval: ToolApproval): Data<'addToolApproval'> {
  return { ...toZuduApproval(approval), server: { id: server.id, server_name: server.name, approval_policy: server.toolPolicy.approvalPolicy } };
}

/** The live tool list, each tool with its approval state under the server's policy. */
export function toZuduLiveTools(server: McpServer, tools: DiscoveredTool[]): Data<'listLiveTools'> {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    inputSchema: (tool.inputSchema ?? {}) as Record<string, unknown>,
    approval_state: approvalStateOf(server, tool),
    enabled: isToolEnabled(server, tool.name),
  }));
}

export function toZuduApprovalPolicy(s: McpServer): Data<'updateApprovalPolicy'> {
  return { id: s.id, organization_id: s.organizationId, server_name: s.name, approval_policy: s.toolPolicy.approvalPolicy, updated_at: s.updatedAt };
}

export function toZuduSecret(s: SecretView): Schemas['Secret'] {
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
  const inConfig =
    ['url', 'name', 'description', 'transport', 'approval_policy'].includes(wire) ||
    ['request_headers', 'secret_token'].some((p) => wire === p || wire.startsWith(`${p}.`));
  return inConfig ? prefix + wire : wire;
}
