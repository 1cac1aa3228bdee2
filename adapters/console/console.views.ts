import { ValidationError } from '../../core/errors';
import type { AuditEvent } from '../../core/model/audit';
import type { AuthInput, Credentials, NewServer, ServerPatch } from '../../core/model/input';
import type { Principal } from '../../core/model/principal';
import { FAILURE_CLASSES, type ProbeOutcome } from '../../core/model/probe';
import { APPROVAL_POLICIES, type DiscoveredTool, type McpServer, TRANSPORTS } from '../../core/model/server';
import { approvalStateOf, isToolEnabled } from '../../core/rules/tool-policy';
import { toolHash } from '../../core/rules/tool-hash';
import type { ApprovalView } from '../../core/services/approvals';
import type { SecretView } from '../../core/services/secret-vault';

/*
 * The console's JSON: views of the core records for the browser, whitelisted field by field like
 * the dialects' mappers (a stored field reaches the page only if named here; never a credential,
 * a header value or a secret), and the readers that turn the page's forms into core inputs.
 */

/** The stored failure text is `<class>: <sentence>` (core/probe/probe-failure.ts): split for the page. */
function failureOf(errorMessage: string | null): { failureClass: string | null; message: string | null } {
  if (errorMessage === null) return { failureClass: null, message: null };
  const colon = errorMessage.indexOf(': ');
  const head = colon > 0 ? errorMessage.slice(0, colon) : '';
  return (FAILURE_CLASSES as readonly string[]).includes(head)
    ? { failureClass: head, message: errorMessage.slice(colon + 2) }
    : { failureClass: null, message: errorMessage };
}

function authView(s: McpServer) {
  const a = s.auth;
  switch (a.type) {
    case 'none':
      return { type: 'none' };
    case 'bearer':
      return { type: 'bearer', secretId: a.secretId };
    case 'api_key':
      return { type: 'api_key', headerName: a.headerName, secretId: a.secretId };
    case 'oauth':
      return a.grant === 'client_credentials'
        ? { type: 'oauth', grant: a.grant, clientId: a.clientId, tokenUrl: a.tokenUrl, scope: a.scope, secretId: a.secretId }
        : a.grant === 'access_token'
          ? { type: 'oauth', grant: a.grant, secretId: a.secretId }
          : { type: 'oauth', grant: a.grant, perUser: a.perUser, clientId: a.clientId, scope: a.scope };
  }
}

/** A row of the servers list. */
export function serverSummary(s: McpServer) {
  return {
    id: s.id,
    organizationId: s.organizationId,
    name: s.name,
    url: s.url,
    transport: s.transport,
    authType: s.auth.type,
    isActive: s.isActive,
    status: s.connection.status,
    ...failureOf(s.connection.errorMessage),
    lastConnectedAt: s.connection.lastConnectedAt,
    lastTestedAt: s.connection.lastTestedAt,
    toolCount: s.connection.tools?.length ?? null,
    updatedAt: s.updatedAt,
  };
}

/** A discovered tool with what the policy makes of it; for a stale approval, both definitions' hashes. */
function toolView(s: McpServer, tool: DiscoveredTool) {
  const approval = s.toolApprovals.find((a) => a.toolName === tool.name) ?? null;
  const currentHash = toolHash(tool.description, tool.inputSchema);
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: tool.inputSchema ?? {},
    enabled: isToolEnabled(s, tool.name),
    approvalState: approvalStateOf(s, tool),
    currentHash,
    approvedHash: approval?.toolHash ?? null,
    definitionChanged: approval !== null && approval.toolHash !== currentHash,
  };
}

/** Everything either dialect can express about a server, credentials as ids and header names only. */
export function serverDetail(s: McpServer) {
  return {
    ...serverSummary(s),
    ownerId: s.ownerId,
    type: s.type,
    description: s.description,
    auth: authView(s),
    requestHeaderNames: Object.keys(s.requestHeaders),
    toolPolicy: { enabled: s.toolPolicy.enabled, allowedTools: s.toolPolicy.allowedTools, approvalPolicy: s.toolPolicy.approvalPolicy },
    toolApprovals: s.toolApprovals.map((a) => ({ toolName: a.toolName, toolHash: a.toolHash, state: a.state })),
    tools: (s.connection.tools ?? []).map((t) => toolView(s, t)),
    createdAt: s.createdAt,
  };
}

export function testOutcome(outcome: ProbeOutcome, server: McpServer) {
  return {
    success: outcome.success,
    failureClass: outcome.failureClass,
    message: outcome.message,
    latencyMs: outcome.latencyMs,
    protocolVersion: outcome.protocolVersion,
    serverInfo: outcome.serverInfo,
    server: serverDetail(server),
  };
}

/** A held call; its arguments only for those who may decide it (the desk lists only those). */
export function approvalView(a: ApprovalView) {
  return {
    id: a.id,
    organizationId: a.organizationId,
    serverId: a.serverId,
    tool: a.tool,
    arguments: a.arguments,
    callerKeyId: a.callerKeyId,
    callerUserId: a.callerUserId,
    status: a.status,
    requestedAt: a.requestedAt,
    expiresAt: a.expiresAt,
    decidedAt: a.decidedAt,
    decidedByUserId: a.decidedByUserId,
    reason: a.reason,
    approveAlways: a.approveAlways,
  };
}

export function auditView(e: AuditEvent) {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    fields: e.fields,
    outcome: e.outcome,
    detail: e.detail,
    requestId: e.requestId,
  };
}

export function secretView(s: SecretView) {
  return { id: s.id, organizationId: s.organizationId, name: s.name, createdAt: s.createdAt, updatedAt: s.updatedAt, usedBy: s.usedBy };
}

export function principalView(p: Principal) {
  return { keyId: p.keyId, userId: p.userId, role: p.role, organizationIds: p.organizationIds, dialect: p.dialect ?? null };
}

// Readers: the page's JSON is as hostile as any caller's. Each field is checked for its type
// here; the core then applies the record's rules (lengths, URLs, headers, credentials).

type Body = Record<string, unknown>;

function objectBody(value: unknown, field = 'body'): Body {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(field, 'The request body must be a JSON object');
  return value as Body;
}

function refuseUnknown(body: Body, known: readonly string[], prefix = ''): void {
  for (const key of Object.keys(body))
    if (!known.includes(key)) throw new ValidationError(`${prefix}${key}`, `${prefix}${key} is not a field the console sends`);
}

function optionalString(body: Body, key: string, field = key): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ValidationError(field, { rule: 'not_string' });
  return v;
}

function optionalBoolean(body: Body, key: string): boolean | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ValidationError(key, `${key} must be true or false`);
  return v;
}

function oneOf<T extends string>(body: Body, key: string, allowed: readonly T[]): T | undefined {
  const v = optionalString(body, key);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw new ValidationError(key, { rule: 'one_of', allowed });
  return v as T;
}

function stringMap(body: Body, key: string): Record<string, string> | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  const map = objectBody(v, key);
  for (const [name, value] of Object.entries(map)) if (typeof value !== 'string') throw new ValidationError(`${key}.${name}`, { rule: 'not_string' });
  return map as Record<string, string>;
}

function stringList(body: Body, key: string): string[] | null | undefined {
  const v = body[key];
  if (v === undefined || v === null) return v as null | undefined;
  if (!Array.isArray(v) || v.some((item) => typeof item !== 'string')) throw new ValidationError(key, `${key} must be a list of tool names`);
  return v as string[];
}

const CREDENTIAL_FIELDS = ['token', 'secretId', 'apiKey', 'headerName', 'clientId', 'clientSecret', 'tokenUrl', 'scope', 'accessToken', 'grantType'] as const;
const AUTH_TYPES = ['none', 'bearer', 'api_key', 'oauth'] as const;

function authInput(value: unknown): { type?: AuthInput['type']; credentials: Credentials } {
  const body = objectBody(value, 'auth');
  refuseUnknown(body, ['type', 'credentials'], 'auth.');
  const type = oneOf(body, 'type', AUTH_TYPES);
  const raw = body.credentials === undefined ? {} : objectBody(body.credentials, 'auth.credentials');
  const credentials: Credentials = {};
  for (const [key, v] of Object.entries(raw)) {
    if (key === 'perUser') {
      if (typeof v !== 'boolean') throw new ValidationError('auth.perUser', 'auth.perUser must be true or false');
      credentials.perUser = v;
    } else if ((CREDENTIAL_FIELDS as readonly string[]).includes(key)) {
      if (typeof v !== 'string') throw new ValidationError(`auth.${key}`, { rule: 'not_string' });
      (credentials as Record<string, string>)[key] = v;
    } else throw new ValidationError(`auth.${key}`, `auth.${key} is not a field the console sends`);
  }
  return { type, credentials };
}

const SERVER_FIELDS = [
  'organizationId',
  'name',
  'description',
  'url',
  'transport',
  'auth',
  'requestHeaders',
  'enabled',
  'allowedTools',
  'approvalPolicy',
  'isActive',
];

/** The create form. */
export function readNewServer(value: unknown): NewServer {
  const body = objectBody(value);
  refuseUnknown(body, SERVER_FIELDS);
  const auth = body.auth === undefined ? { type: 'none' as const, credentials: {} } : authInput(body.auth);
  return {
    organizationId: optionalString(body, 'organizationId') ?? '',
    name: optionalString(body, 'name') ?? '',
    description: optionalString(body, 'description'),
    url: optionalString(body, 'url') ?? '',
    transport: oneOf(body, 'transport', TRANSPORTS) ?? 'streamable_http',
    auth: { type: auth.type ?? 'none', credentials: auth.credentials },
    requestHeaders: stringMap(body, 'requestHeaders'),
    enabled: optionalBoolean(body, 'enabled'),
    allowedTools: stringList(body, 'allowedTools'),
    approvalPolicy: oneOf(body, 'approvalPolicy', APPROVAL_POLICIES),
    isActive: optionalBoolean(body, 'isActive'),
  };
}

/** The edit form: absent fields keep their values; credentials only when new ones are typed. */
export function readServerPatch(value: unknown): ServerPatch {
  const body = objectBody(value);
  refuseUnknown(
    body,
    SERVER_FIELDS.filter((f) => f !== 'organizationId'),
  );
  const patch: ServerPatch = {
    name: optionalString(body, 'name'),
    description: optionalString(body, 'description'),
    url: optionalString(body, 'url'),
    transport: oneOf(body, 'transport', TRANSPORTS),
    requestHeaders: stringMap(body, 'requestHeaders'),
    enabled: optionalBoolean(body, 'enabled'),
    allowedTools: stringList(body, 'allowedTools'),
    approvalPolicy: oneOf(body, 'approvalPolicy', APPROVAL_POLICIES),
    isActive: optionalBoolean(body, 'isActive'),
  };
  if (body.auth !== undefined) {
    const auth = authInput(body.auth);
    if (auth.type === 'none') patch.auth = { type: 'none', credentials: {} };
    else patch.auth = auth;
  }
  for (const key of Object.keys(patch) as Array<keyof ServerPatch>) if (patch[key] === undefined) delete patch[key];
  return patch;
}

export function readDecision(value: unknown): { decision: 'approve' | 'approve_always' | 'deny'; reason: string } {
  const body = objectBody(value);
  refuseUnknown(body, ['decision', 'reason']);
  const decision = oneOf(body, 'decision', ['approve', 'approve_always', 'deny'] as const);
  if (!decision) throw new ValidationError('decision', { rule: 'required' });
  const reason = optionalString(body, 'reason') ?? '';
  return { decision, reason };
}

export function readSecretValue(value: unknown): { organizationId: string; value: string; name?: string } {
  const body = objectBody(value);
  refuseUnknown(body, ['organizationId', 'value', 'name']);
  const secret = optionalString(body, 'value');
  if (secret === undefined) throw new ValidationError('value', { rule: 'required' });
  return { organizationId: optionalString(body, 'organizationId') ?? '', value: secret, name: optionalString(body, 'name') };
}

export function readSignIn(value: unknown): { key: string; secret?: string } {
  const body = objectBody(value);
  refuseUnknown(body, ['key', 'secret']);
  const key = optionalString(body, 'key')?.trim();
  if (!key) throw new ValidationError('key', { rule: 'required' });
  const secret = optionalString(body, 'secret')?.trim();
  return secret ? { key, secret } : { key };
}
