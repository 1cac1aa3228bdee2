import { z } from 'zod';
import { REDACTED } from '../../core/model/input';
import type { ExportedServer, ImportCandidate, ImportSecret, ImportSource } from '../../core/model/migration';
import { APPROVAL_POLICIES, TOOL_APPROVAL_STATES, type ToolApproval, type Transport, TRANSPORTS } from '../../core/model/server';
import type { NoneLeft } from '../shared/wire-checks';
import { ZUDU_DEFAULTS, ZUDU_TRANSPORTS_IN, ZUDU_TRANSPORTS_OUT } from '../zudu/zudu.vocabulary';
import type { components } from '../zudu/zudu.wire';
import { lookup, parseShape, readCreatedAt, recordOf } from './format-error';

type Schemas = components['schemas'];
// Zudu's words, plus the core's own spellings, which hand-written files use too.
const TRANSPORT_IN: Readonly<Record<string, Transport>> = { ...ZUDU_TRANSPORTS_IN, ...Object.fromEntries(TRANSPORTS.map((t) => [t, t])) };
// Zudu spells policies and approval states as the core does (proven in zudu.vocabulary.ts).
const POLICIES = z.enum(APPROVAL_POLICIES);
const approvalHash = z.object({ tool_name: z.string(), tool_hash: z.string(), approval_policy: z.enum(TOOL_APPROVAL_STATES).optional() });

/** A server in any of Zudu's shapes: a create config, or a list item (server_url/server_name). */
const server = z.object({
  id: z.string().optional(),
  url: z.string().optional(),
  server_url: z.string().optional(),
  name: z.string().optional(),
  server_name: z.string().optional(),
  approval_policy: POLICIES.optional(),
  transport: z.string().optional(),
  description: z.string().optional(),
  request_headers: recordOf(z.string()).optional(),
  secret_token: z.object({ secret_id: z.string() }).nullable().optional(),
  secret_token_id: z.string().nullable().optional(),
  tool_approval_hashes: z.array(approvalHash).optional(),
  created_at: z.number().optional(),
});
type ZuduServer = z.infer<typeof server>;

// An entry names only fields the contract has (in a create config or a detail view), and every
// field of a create config: one the contract gains must be read on import too.
export type ZuduFormatProofs = [
  NoneLeft<Exclude<keyof ZuduServer, keyof Schemas['CreateServerConfig'] | keyof Schemas['ServerDetail']>>,
  NoneLeft<Exclude<keyof Schemas['CreateServerConfig'], keyof ZuduServer>>,
];

const listEnvelope = z.object({ data: z.object({ servers: z.array(server) }) });
const createBodies = z.array(z.object({ config: server }));
const exportFile = z.object({
  secrets: z.array(z.object({ secret_id: z.string(), name: z.string(), value: z.string().optional() })),
  servers: z.array(z.object({ config: server })),
  tool_approvals: z.array(approvalHash.extend({ server_name: z.string() })).optional(),
});

const isObject = (d: unknown): d is Record<string, unknown> => typeof d === 'object' && d !== null && !Array.isArray(d);
export const isZuduListResponse = (d: unknown) => isObject(d) && isObject(d.data) && Array.isArray((d.data as { servers?: unknown }).servers);
export const isZuduCreateBodies = (d: unknown) => Array.isArray(d) && d.length > 0 && d.every((x) => isObject(x) && isObject(x.config));
export const isZuduExport = (d: unknown) => isObject(d) && Array.isArray(d.secrets) && Array.isArray(d.servers);

function candidateOf(s: ZuduServer, source: string): ImportCandidate {
  const candidate: ImportCandidate = {
    source,
    name: s.name ?? s.server_name ?? '',
    url: s.url ?? s.server_url ?? '',
    transport: 'sse',
    auth: { type: 'none', credentials: {} },
    warnings: [],
  };
  if (!candidate.name || !candidate.url) candidate.skip = 'has no name or no URL';
  const transport = lookup(TRANSPORT_IN, s.transport ?? ZUDU_DEFAULTS.transport);
  if (transport) candidate.transport = transport;
  else candidate.skip = `unknown transport '${s.transport}'`;
  if (s.description !== undefined) candidate.description = s.description;
  if (s.approval_policy) candidate.approvalPolicy = s.approval_policy;
  const secretId = s.secret_token?.secret_id ?? s.secret_token_id ?? null;
  if (secretId) candidate.auth = { type: 'bearer', credentials: { secretId } };
  // Zudu speaks of a bearer token only, and only where the entry has the field (null: none).
  candidate.expressibleAuth = s.secret_token === undefined && s.secret_token_id === undefined ? [] : ['none', 'bearer'];
  if (s.request_headers) {
    const masked = Object.entries(s.request_headers)
      .filter(([, v]) => v === REDACTED)
      .map(([k]) => k);
    candidate.requestHeaders = Object.fromEntries(Object.entries(s.request_headers).filter(([, v]) => v !== REDACTED));
    candidate.maskedHeaders = masked;
    if (masked.length) candidate.warnings.push(`request header value(s) not in the file (masked): ${masked.join(', ')}; set them after import`);
  }
  if (s.tool_approval_hashes) candidate.toolApprovals = s.tool_approval_hashes.map(toApproval);
  readCreatedAt(candidate, s.created_at, 'created_at');
  return candidate;
}

const toApproval = (a: z.infer<typeof approvalHash>): ToolApproval => ({
  toolName: a.tool_name,
  toolHash: a.tool_hash,
  state: a.approval_policy ?? 'requires_approval',
});

/** A Zudu list response: `{message, status, error, data: {servers: […]}}`. */
export function fromZuduListResponse(data: unknown): ImportSource {
  const parsed = parseShape(listEnvelope, data, 'Zudu list response');
  return { format: 'zudu', candidates: parsed.data.servers.map((s, i) => candidateOf(s, `data.servers[${i}]`)), secrets: [] };
}

/** An array of Zudu create bodies (`[{config: …}]`). */
export function fromZuduCreateBodies(data: unknown): ImportSource {
  const parsed = parseShape(createBodies, data, 'array of Zudu create bodies');
  return { format: 'zudu', candidates: parsed.map((b, i) => candidateOf(b.config, `[${i}].config`)), secrets: [] };
}

/** What `export --format zudu` writes: secrets to create first, create bodies, then tool approvals. */
export function fromZuduExport(data: unknown): ImportSource {
  const parsed = parseShape(exportFile, data, 'Zudu export file');
  const candidates = parsed.servers.map((b, i) => candidateOf(b.config, `servers[${i}].config`));
  for (const approval of parsed.tool_approvals ?? []) {
    const target = candidates.find((c) => c.name === approval.server_name);
    if (target) target.toolApprovals = [...(target.toolApprovals ?? []).filter((a) => a.toolName !== approval.tool_name), toApproval(approval)];
  }
  const secrets: ImportSecret[] = parsed.secrets.map((s) => ({ id: s.secret_id, name: s.name, value: s.value ?? null }));
  for (const candidate of candidates) {
    const ref = candidate.auth?.credentials.secretId;
    const secret = secrets.find((s) => s.id === ref);
    if (ref && secret?.value === null)
      candidate.warnings.push(`its secret '${ref}' has no value in the file (exported without --include-secrets); create it before use`);
  }
  return { format: 'zudu', candidates, secrets };
}

/**
 * The Zudu API's inputs: the secrets to create first (values only with --include-secrets),
 * create bodies that reference them, and the tool approvals to add afterwards.
 */
export function toZuduExport(servers: ExportedServer[]): { file: unknown; warnings: string[] } {
  const warnings: string[] = [];
  const secrets = new Map<string, { secret_id: string; name: string; value?: string }>();
  const toolApprovals: unknown[] = [];
  const bodies = servers.map(({ record: s, authSecret, headers }) => {
    const config: Schemas['CreateServerConfig'] = {
      url: s.url,
      name: s.name,
      approval_policy: s.toolPolicy.approvalPolicy,
      transport: ZUDU_TRANSPORTS_OUT[s.transport],
      description: s.description,
    };
    const requestHeaders: Record<string, string> = {};
    const withoutValue = Object.entries(headers)
      .filter(([, v]) => v === null)
      .map(([k]) => k);
    for (const [name, value] of Object.entries(headers)) if (value !== null) requestHeaders[name] = value;
    if (withoutValue.length) warnings.push(`${s.name}: request header values left out (use --include-secrets): ${withoutValue.join(', ')}`);
    if (s.auth.type === 'bearer' && authSecret) {
      config.secret_token = { secret_id: authSecret.id };
      secrets.set(authSecret.id, { secret_id: authSecret.id, name: authSecret.name, ...(authSecret.value !== null ? { value: authSecret.value } : {}) });
    } else if (s.auth.type === 'api_key' && authSecret?.value != null) {
      requestHeaders[s.auth.headerName] = authSecret.value;
      warnings.push(`${s.name}: its API key is carried as the request header ${s.auth.headerName}, the Zudu way`);
    } else if (s.auth.type === 'oauth' && s.auth.grant === 'access_token' && authSecret?.value != null) {
      requestHeaders.Authorization = `Bearer ${authSecret.value}`;
      warnings.push(`${s.name}: its OAuth access token is carried as an Authorization request header`);
    } else if (s.auth.type !== 'none') {
      warnings.push(
        `${s.name}: the Zudu format cannot carry its ${s.auth.type} credentials${authSecret?.value == null ? ' (and they were not included)' : ''}`,
      );
    }
    if (s.auth.type === 'bearer' && authSecret?.value === null)
      warnings.push(`${s.name}: secret '${authSecret.id}' exported without its value (use --include-secrets)`);
    if (Object.keys(requestHeaders).length) config.request_headers = requestHeaders;
    for (const a of s.toolApprovals) toolApprovals.push({ server_name: s.name, tool_name: a.toolName, tool_hash: a.toolHash, approval_policy: a.state });
    if (!s.toolPolicy.enabled || s.toolPolicy.allowedTools !== null || !s.isActive)
      warnings.push(`${s.name}: the Zudu format cannot carry its tool configuration or active flag`);
    return { config };
  });
  return { file: { secrets: [...secrets.values()], servers: bodies, tool_approvals: toolApprovals }, warnings };
}
