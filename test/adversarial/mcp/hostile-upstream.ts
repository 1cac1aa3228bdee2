import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

/** A hostile 2025-era upstream (SDK 1.x, stateless Streamable HTTP) whose answers the test scripts. */
export interface Hostile {
  url: string;
  headers: IncomingHttpHeaders[];
  calls: Array<{ name: string; arguments?: unknown }>;
  close(): Promise<void>;
}

export interface HostileScript {
  list?: (params: { cursor?: string } | undefined, headers: IncomingHttpHeaders) => unknown;
  call?: (params: { name: string; arguments?: unknown }, headers: IncomingHttpHeaders) => unknown;
}

export async function startHostile(script: HostileScript): Promise<Hostile> {
  const headers: IncomingHttpHeaders[] = [];
  const calls: Array<{ name: string; arguments?: unknown }> = [];
  const sockets = new Set<Socket>();
  const http: HttpServer = createServer(async (req, res) => {
    headers.push(req.headers);
    const h = req.headers;
    const server = new Server({ name: 'hostile', version: '1' }, { capabilities: { tools: {} } });
    server.setRequestHandler(
      ListToolsRequestSchema,
      async (r) => (script.list?.(r.params as never, h) ?? { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] }) as never,
    );
    server.setRequestHandler(CallToolRequestSchema, async (r) => {
      calls.push(r.params as never);
      return (script.call?.(r.params as never, h) ?? { content: [{ type: 'text', text: 'ok' }] }) as never;
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  http.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const port = (http.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    headers,
    calls,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) s.destroy();
        http.close(() => done());
      }),
  };
}
