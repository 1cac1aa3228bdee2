import { z } from 'zod';
import type { ImportCandidate, ImportSource } from '../../core/model/migration';
import type { Transport } from '../../core/model/server';
import { parseShape, recordOf } from './format-error';

const entry = z.object({
  url: z.string().optional(),
  serverUrl: z.string().optional(),
  type: z.string().optional(),
  transport: z.string().optional(),
  headers: recordOf(z.string()).optional(),
  command: z.string().optional(),
  args: z.array(z.string()).optional(),
  disabled: z.boolean().optional(),
});
const file = z.object({ mcpServers: recordOf(entry) });

export const isMcpJson = (d: unknown) => typeof d === 'object' && d !== null && typeof (d as { mcpServers?: unknown }).mcpServers === 'object';

/** `type`/`transport` as desktop clients write it; without one, a URL ending in /sse means SSE. */
function transportOf(kind: string | undefined, url: string): Transport | null {
  const k = (kind ?? '').toLowerCase().replace(/[-_]/g, '');
  if (k === 'sse') return 'sse';
  if (k === 'http' || k === 'streamablehttp') return 'streamable_http';
  if (k === '') return /\/sse\/?$/.test(pathOf(url)) ? 'sse' : 'streamable_http';
  return null;
}

/** The URL's path, or the text itself when it is no URL (the URL rule refuses it later). */
function pathOf(url: string): string {
  try {
    return new URL(url, 'http://x').pathname;
  } catch {
    return url;
  }
}

/**
 * A desktop client's `mcpServers` file (Claude Desktop, Cursor, VS Code-style). Remote entries
 * become servers, their header values encrypted request headers; stdio entries are skipped.
 */
export function fromMcpJson(data: unknown): ImportSource {
  const parsed = parseShape(file, data, 'mcpServers file');
  const candidates = Object.entries(parsed.mcpServers).map(([name, e]): ImportCandidate => {
    const url = e.url ?? e.serverUrl ?? '';
    // A desktop file has no auth settings (only headers): an update keeps the stored auth.
    const candidate: ImportCandidate = {
      source: `mcpServers.${name}`,
      name,
      url,
      transport: 'streamable_http',
      auth: { type: 'none', credentials: {} },
      expressibleAuth: [],
      warnings: [],
    };
    if (!url) {
      candidate.skip = e.command
        ? `stdio server (runs '${e.command}' on the desktop): a hosted gateway cannot start local processes`
        : 'has neither a url nor a command';
      return candidate;
    }
    const transport = transportOf(e.type ?? e.transport, url);
    if (!transport) candidate.skip = `unknown transport '${e.type ?? e.transport}'`;
    else candidate.transport = transport;
    if (e.headers && Object.keys(e.headers).length) {
      candidate.requestHeaders = e.headers;
      candidate.warnings.push(`header(s) ${Object.keys(e.headers).join(', ')} stored as encrypted request headers`);
    }
    if (e.disabled) candidate.isActive = false;
    return candidate;
  });
  return { format: 'mcp-json', candidates, secrets: [] };
}
