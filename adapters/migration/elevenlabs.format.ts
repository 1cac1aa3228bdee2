import { z } from 'zod';
import type { ImportCandidate, ImportSource } from '../../core/model/migration';
import { APPROVAL_POLICIES, TOOL_APPROVAL_STATES, type Transport } from '../../core/model/server';
import { lookup, parseShape, readCreatedAt, recordOf } from './format-error';

// ElevenLabs is no dialect of this gateway (yet): its words live with its format until it is.
const TRANSPORT: Readonly<Record<Transport, 'SSE' | 'STREAMABLE_HTTP'>> = { sse: 'SSE', streamable_http: 'STREAMABLE_HTTP' };
const TRANSPORT_IN: Readonly<Record<string, Transport>> = Object.fromEntries(Object.entries(TRANSPORT).map(([core, wire]) => [wire, core as Transport]));

const response = z.object({
  mcp_servers: z.array(
    z.object({
      id: z.string().optional(),
      config: z.object({
        url: z.string(),
        name: z.string(),
        approval_policy: z.enum(APPROVAL_POLICIES).optional(),
        tool_approval_hashes: z
          .array(z.object({ tool_name: z.string(), tool_hash: z.string(), approval_policy: z.enum(TOOL_APPROVAL_STATES).optional() }))
          .optional(),
        transport: z.string().optional(),
        description: z.string().nullable().optional(),
        request_headers: recordOf(z.union([z.string(), z.object({ secret_id: z.string() })])).optional(),
        secret_token: z.object({ secret_id: z.string() }).nullable().optional(),
      }),
      metadata: z.object({ created_at: z.number().optional(), owner_user_id: z.string().nullable().optional() }).optional(),
    }),
  ),
});

export const isElevenLabsListResponse = (d: unknown) => typeof d === 'object' && d !== null && Array.isArray((d as { mcp_servers?: unknown }).mcp_servers);

/**
 * An ElevenLabs list response. Its secrets live in the ElevenLabs workspace: references to
 * them are kept (create secrets of the same ids to make them work) and reported.
 */
export function fromElevenLabsListResponse(data: unknown): ImportSource {
  const parsed = parseShape(response, data, 'ElevenLabs list response');
  const candidates = parsed.mcp_servers.map(({ id, config: c, metadata }, i): ImportCandidate => {
    const candidate: ImportCandidate = {
      source: `mcp_servers[${i}]${id ? ` (${id})` : ''}`,
      name: c.name,
      url: c.url,
      transport: 'sse',
      auth: { type: 'none', credentials: {} },
      warnings: [],
    };
    const transport = lookup(TRANSPORT_IN, c.transport ?? 'SSE');
    if (transport) candidate.transport = transport;
    else candidate.skip = `unknown transport '${c.transport}'`;
    if (c.description) candidate.description = c.description;
    if (c.approval_policy) candidate.approvalPolicy = c.approval_policy;
    if (c.tool_approval_hashes) {
      candidate.toolApprovals = c.tool_approval_hashes.map((a) => ({
        toolName: a.tool_name,
        toolHash: a.tool_hash,
        state: a.approval_policy ?? 'requires_approval',
      }));
    }
    // Only a file that says secret_token (an id, or null for none) speaks about auth at all.
    candidate.expressibleAuth = c.secret_token === undefined ? [] : ['none', 'bearer'];
    if (c.secret_token?.secret_id) {
      candidate.auth = { type: 'bearer', credentials: { secretId: c.secret_token.secret_id } };
      candidate.warnings.push(`its token is the ElevenLabs workspace secret '${c.secret_token.secret_id}': create a secret with that id here`);
    }
    if (c.request_headers) {
      const entries = Object.entries(c.request_headers);
      candidate.requestHeaders = Object.fromEntries(entries.filter((e): e is [string, string] => typeof e[1] === 'string'));
      candidate.maskedHeaders = [];
      for (const [name, value] of entries) {
        if (typeof value === 'string') continue;
        candidate.maskedHeaders.push(name);
        candidate.warnings.push(`request header ${name} refers to ElevenLabs secret '${value.secret_id}' and was not imported; set its value after import`);
      }
    }
    // ElevenLabs counts in unix seconds.
    readCreatedAt(candidate, metadata?.created_at, 'metadata.created_at', 's');
    return candidate;
  });
  return { format: 'elevenlabs', candidates, secrets: [] };
}
