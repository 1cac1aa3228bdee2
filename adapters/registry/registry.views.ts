import type { McpServer } from '../../core/model/server';
import type { components } from './registry.wire';

type Schemas = components['schemas'];

/** Where every organization's registry names live: a reverse-DNS namespace under `mcp-gateway.local` (a private name). */
const NAMESPACE = 'local.mcp-gateway';
const DESCRIPTION_MAX = 100;
const SLUG_MAX = 100;

/** An organization id as one DNS label: letters, digits and dashes (ids may hold `_ . :`), at most 63 characters. */
export const namespaceOf = (organizationId: string): string =>
  `${NAMESPACE}.${
    organizationId
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .slice(0, 63)
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
 * the organization and the server's name (and, for a shared slug, its id), never stored, so it is
 * the same across restarts, instances and settings. Of the servers whose names fold to one slug,
 * the oldest keeps it and each other gets a suffix from its own id (`-<last 8 hex digits>`,
 * longer if that is taken), so adding a server never renames another; unique within the
 * organization.
 */
export function registryNames(organizationId: string, servers: readonly McpServer[]): Map<string, string> {
  const namespace = namespaceOf(organizationId);
  const names = new Map<string, string>();
  const used = new Set<string>();
  // In creation order: a name, once given, is never taken by a server created later.
  const ordered = [...servers].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  for (const s of ordered) {
    let name = slugOf(s.name);
    if (used.has(name)) {
      const slug = name.slice(0, SLUG_MAX - 33);
      const id = s.id.replace(/[^a-z0-9]/gi, '').toLowerCase();
      for (let digits = 8; used.has(name); digits += 4) name = `${slug}-${id.slice(-digits)}${digits > id.length ? `-${digits}` : ''}`;
    }
    used.add(name);
    names.set(s.id, `${namespace}/${name}`);
  }
  return names;
}

/** One version per server, the current one: its patch number is the last change, in epoch seconds. */
export const versionOf = (s: McpServer): string => `1.0.${Math.floor(s.updatedAt / 1000)}`;

/** At most `max` characters (code points, as JSON Schema counts them; a pair is never split). */
const clip = (text: string, max: number) => {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
};

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
