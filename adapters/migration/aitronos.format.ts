import { z } from 'zod';
import type { Credentials } from '../../core/model/input';
import type { ExportedServer, ImportCandidate, ImportSource } from '../../core/model/migration';
import type { AuthType, Transport } from '../../core/model/server';
import { AITRONOS_AUTH_TYPES_IN, AITRONOS_AUTH_TYPES_OUT, AITRONOS_TRANSPORTS_IN, AITRONOS_TRANSPORTS_OUT } from '../aitronos/aitronos.vocabulary';
import type { components } from '../aitronos/aitronos.wire';
import type { Differ, NoneLeft } from '../shared/wire-checks';
import { lookup, parseShape, readCreatedAt, recordOf } from './format-error';

type Schemas = components['schemas'];

const toolConfiguration = z.object({ enabled: z.boolean().optional(), allowed_tools: z.array(z.string()).nullable().optional() }).optional();
const createBody = z.object({
  name: z.string(),
  organization_id: z.string().optional(),
  server_url: z.string(),
  transport_type: z.string(),
  auth_type: z.string(),
  credentials: recordOf(z.union([z.string(), z.boolean()]).nullable()).optional(),
  tool_configuration: toolConfiguration,
});
const listResponse = z.object({
  configurations: z.array(
    z.object({
      id: z.string().optional(),
      name: z.string(),
      serverUrl: z.string(),
      transportType: z.string(),
      authType: z.string(),
      isActive: z.boolean().optional(),
      toolConfiguration: z.object({ enabled: z.boolean(), allowedTools: z.array(z.string()).nullable() }).optional(),
      createdAt: z.string().optional(),
    }),
  ),
  total: z.number().optional(),
});

// A file read here is what the API writes: a create body names exactly the contract's fields (a
// field the contract gains must be read on import too), and a list item only the contract's.
export type AitronosFormatProofs = [
  NoneLeft<Differ<keyof z.output<typeof createBody>, keyof Schemas['CreateConfiguration']>>,
  NoneLeft<Exclude<keyof z.output<typeof listResponse>['configurations'][number], keyof Schemas['Configuration']>>,
];

export const isAitronosListResponse = (data: unknown) =>
  typeof data === 'object' && data !== null && Array.isArray((data as { configurations?: unknown }).configurations);
export const isAitronosCreateBodies = (data: unknown) =>
  Array.isArray(data) && data.length > 0 && data.every((d) => typeof d === 'object' && d !== null && 'server_url' in d && 'transport_type' in d);

function transportOf(value: string, candidate: { skip?: string }): Transport {
  const transport = lookup(AITRONOS_TRANSPORTS_IN, value);
  if (transport) return transport;
  candidate.skip = value === 'stdio' ? 'stdio server: a hosted gateway cannot start a local process' : `unknown transport '${value}'`;
  return 'sse';
}

function credentialsOf(raw: Record<string, string | boolean | null> = {}): Credentials {
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  return {
    token: text('token'),
    apiKey: text('api_key'),
    headerName: text('header_name'),
    clientId: text('client_id'),
    clientSecret: text('client_secret'),
    tokenUrl: text('token_url'),
    scope: typeof raw.scope === 'string' || raw.scope === null ? raw.scope : undefined,
    accessToken: text('access_token'),
    grantType: text('grant_type'),
    perUser: typeof raw.per_user === 'boolean' ? raw.per_user : undefined,
  };
}

/** The secret a credentials object must carry for its auth type; absent means the file has none. */
function hasSecret(type: AuthType, c: Credentials): boolean {
  if (type === 'none') return true;
  if (type === 'bearer') return !!c.token;
  if (type === 'api_key') return !!c.apiKey;
  // A user consents after the import: nothing secret is needed (a public pre-registered client has none).
  if (c.grantType === 'authorization_code') return true;
  return !!c.accessToken || !!c.clientSecret;
}

/** An Aitronos list response: no credentials in it, so authenticated servers land inactive, flagged. */
export function fromAitronosListResponse(data: unknown): ImportSource {
  const parsed = parseShape(listResponse, data, 'Aitronos list response');
  const candidates = parsed.configurations.map((c, i): ImportCandidate => {
    const candidate: ImportCandidate = { source: `configurations[${i}]`, name: c.name, url: c.serverUrl, transport: 'sse', auth: null, warnings: [] };
    candidate.transport = transportOf(c.transportType, candidate);
    const authType = lookup<AuthType>(AITRONOS_AUTH_TYPES_IN, c.authType);
    if (!authType) candidate.skip ??= `unknown auth type '${c.authType}'`;
    else if (authType === 'none') candidate.auth = { type: 'none', credentials: {} };
    else candidate.warnings.push(`needs credentials: a list response carries none (auth type ${c.authType}); imported inactive until they are set`);
    if (c.toolConfiguration) Object.assign(candidate, { enabled: c.toolConfiguration.enabled, allowedTools: c.toolConfiguration.allowedTools });
    if (c.isActive !== undefined && candidate.auth) candidate.isActive = c.isActive;
    readCreatedAt(candidate, c.createdAt, 'createdAt');
    return candidate;
  });
  return { format: 'aitronos', candidates, secrets: [] };
}

/** An array of Aitronos create bodies, as `export --format aitronos` writes them. */
export function fromAitronosCreateBodies(data: unknown): ImportSource {
  const parsed = parseShape(z.array(createBody), data, 'array of Aitronos create bodies');
  const candidates = parsed.map((body, i): ImportCandidate => {
    const candidate: ImportCandidate = { source: `[${i}]`, name: body.name, url: body.server_url, transport: 'sse', auth: null, warnings: [] };
    candidate.transport = transportOf(body.transport_type, candidate);
    const type = lookup<AuthType>(AITRONOS_AUTH_TYPES_IN, body.auth_type);
    const credentials = credentialsOf(body.credentials);
    if (!type) candidate.skip = `unknown auth_type '${body.auth_type}'`;
    else if (hasSecret(type, credentials)) candidate.auth = { type, credentials: type === 'none' ? {} : credentials };
    else candidate.warnings.push(`needs credentials: the file has none for auth type ${body.auth_type}; imported inactive until they are set`);
    if (body.tool_configuration) Object.assign(candidate, { enabled: body.tool_configuration.enabled, allowedTools: body.tool_configuration.allowed_tools });
    return candidate;
  });
  return { format: 'aitronos', candidates, secrets: [] };
}

/** Create bodies for the Aitronos API. Credentials only when the export includes secrets. */
export function toAitronosCreateBodies(servers: ExportedServer[], organizationId: string): { file: unknown[]; warnings: string[] } {
  const warnings: string[] = [];
  const bodies = servers.map(({ record: s, authSecret, headers }) => {
    const lost = [
      s.description ? 'description' : null,
      Object.keys(headers).length ? 'request headers' : null,
      s.toolPolicy.approvalPolicy !== 'auto_approve_all' ? 'approval policy' : null,
      s.toolApprovals.length ? 'tool approvals' : null,
    ].filter(Boolean);
    if (lost.length) warnings.push(`${s.name}: the Aitronos format cannot carry its ${lost.join(', ')}`);
    const body: Schemas['CreateConfiguration'] = {
      name: s.name,
      organization_id: organizationId,
      server_url: s.url,
      transport_type: AITRONOS_TRANSPORTS_OUT[s.transport],
      auth_type: AITRONOS_AUTH_TYPES_OUT[s.auth.type],
      tool_configuration: { enabled: s.toolPolicy.enabled, allowed_tools: s.toolPolicy.allowedTools },
    };
    if (s.auth.type === 'oauth' && s.auth.grant === 'authorization_code' && s.auth.secretId === undefined) {
      // Nothing secret to carry: the consent is made again where it is imported.
      body.credentials = credentialsFor(s.auth, '');
    } else if (s.auth.type !== 'none') {
      if (authSecret?.value == null) warnings.push(`${s.name}: exported without its credentials (use --include-secrets)`);
      else body.credentials = credentialsFor(s.auth, authSecret.value);
    }
    return body;
  });
  return { file: bodies, warnings };
}

function credentialsFor(auth: ExportedServer['record']['auth'], value: string): Schemas['Credentials'] {
  switch (auth.type) {
    case 'bearer':
      return { token: value };
    case 'api_key':
      return { api_key: value, header_name: auth.headerName };
    case 'oauth':
      if (auth.grant === 'access_token') return { access_token: value };
      if (auth.grant === 'authorization_code') {
        // Tokens are a user's consent and never leave with an export: the importer connects again.
        return {
          grant_type: 'authorization_code',
          per_user: auth.perUser,
          ...(auth.clientId ? { client_id: auth.clientId } : {}),
          ...(value ? { client_secret: value } : {}),
          ...(auth.scope ? { scope: auth.scope } : {}),
        };
      }
      return { client_id: auth.clientId, client_secret: value, token_url: auth.tokenUrl, ...(auth.scope ? { scope: auth.scope } : {}) };
    default:
      return {};
  }
}
