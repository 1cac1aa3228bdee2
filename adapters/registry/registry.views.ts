import type { McpServer } from '../../core/model/server';
import type { components } from './registry.wire';

type Schemas = components['schemas'];

/** Where every organization's registry names live: a reverse-DNS namespace under `mcp-gateway.local` (a private name). */
const NAMESPACE = 'local.mcp-gateway';
const DESCRIPTION_MAX = 100;
const SLUG_MAX = 100;

/** An organization id as a DNS label: letters, digits and dashes (ids may hold `_ . :`). */
export const namespaceOf = (organizationId: string): string =>
  `${NAMESPACE}.${
    organizationId
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'org'
  }`;

/** A server name as the part after the slash: folded, accents dropped, anything else a dash. */
function slugOf(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-._]+|[-._]+$/g, '')
    .slice(0, SLUG_MAX)
    .replace(/[-._]+$/g, '');
  return slug || 'server';
}

/**
 * Each live server's registry name, `local.mcp-gateway.<org>/<slug of its name>`: derived from
 * the organization and the server's name only, so it stays the same across restarts, instances
 * and settings. Names that fold to the same slug are told apart by creation order (the oldest
 * keeps the plain slug, the next `-2`, …), so a name holds while the servers before it do.
 */
export function registryNames(organizationId: string, servers: readonly McpServer[]): Map<string, string> {
  const namespace = namespaceOf(organizationId);
  const taken = new Map<string, number>();
  const names = new Map<string, string>();
  const ordered = [...servers].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  for (const s of ordered) {
    const slug = slugOf(s.name);
    const seen = (taken.get(slug) ?? 0) + 1;
    taken.set(slug, seen);
    names.set(s.id, `${namespace}/${seen === 1 ? slug : `${slug}-${seen}`}`);
  }
  return names;
}

/** One version per server, the current one: its patch number is the last change, in epoch seconds. */
export const versionOf = (s: McpServer): string => `1.0.${Math.floor(s.updatedAt / 1000)}`;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/**
 * The registry's `server.json` view of a server. `remotes` is this gateway's MCP endpoint for the
 * server, never the upstream: clients go through the gateway's policy, and no upstream URL,
 * header or credential appears here. The endpoint takes a gateway key, which the client asks for.
 */
export function serverResponse(s: McpServer, name: string, base: string): Schemas['ServerResponse'] {
  const description = s.description.trim() || `${s.name}, an MCP server reached through mcp-gateway`;
  return {
    server: {
      name,
      title: clip(s.name, DESCRIPTION_MAX),
      description: clip(description, DESCRIPTION_MAX),
      version: versionOf(s),
      remotes: [
        {
          type: 'streamable-http',
          url: `${base}/mcp/${encodeURIComponent(s.id)}`,
          headers: [
            {
              name: 'Authorization',
              description: 'A gateway API key of this organization (Aitronos key, ak_…)',
              isRequired: true,
              isSecret: true,
              format: 'string',
              value: 'Bearer {gateway_api_key}',
              variables: { gateway_api_key: { description: 'Gateway API key (ak_…)', isRequired: true, isSecret: true, format: 'string' } },
            },
          ],
        },
      ],
    },
    _meta: {
      'io.modelcontextprotocol.registry/official': {
        status: 'active',
        publishedAt: new Date(s.createdAt).toISOString(),
        updatedAt: new Date(s.updatedAt).toISOString(),
        isLatest: true,
      },
    },
  };
}
