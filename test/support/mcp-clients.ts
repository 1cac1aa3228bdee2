import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export type AgentEra = 'legacy' | 'modern';

/** What a test needs of either client line. */
export interface Agent {
  era: AgentEra;
  listTools(params?: {
    cursor?: string;
  }): Promise<{ tools: Array<{ name: string; description?: string; _meta?: Record<string, unknown> }>; nextCursor?: string }>;
  callTool(
    params: { name: string; arguments?: Record<string, unknown> },
    options?: { signal?: AbortSignal; onprogress?: (p: { progress: number }) => void; timeout?: number },
  ): Promise<{ content?: unknown; isError?: boolean; structuredContent?: unknown }>;
  close(): Promise<void>;
}

/**
 * An agent as people run them: the official SDK client of the 2025 line (@modelcontextprotocol/sdk
 * 1.x: initialize, 2025-era Streamable HTTP) or of the current line (@modelcontextprotocol/client
 * 2.x, 2026-07-28 negotiated), pointed at a gateway URL with the gateway key's headers.
 */
export async function connectAgent(era: AgentEra, url: string, headers: Record<string, string>): Promise<Agent> {
  const requestInit = { headers };
  if (era === 'modern') {
    const client = new ModernClient({ name: 'test-agent', version: '2' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new ModernTransport(new URL(url), { requestInit }));
    return {
      era,
      listTools: (params) => client.listTools(params?.cursor ? params : undefined) as never,
      callTool: (params, options) => client.callTool(params, options) as never,
      close: () => client.close(),
    };
  }
  const client = new LegacyClient({ name: 'test-agent', version: '1' });
  await client.connect(new LegacyTransport(new URL(url), { requestInit }));
  return {
    era,
    listTools: (params) => client.listTools(params) as never,
    callTool: (params, options) => client.callTool(params, undefined, options) as never,
    close: () => client.close(),
  };
}
