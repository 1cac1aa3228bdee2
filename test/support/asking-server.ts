import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server as HttpServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

export interface AskingServer {
  url: string;
  /** Sessions open now (initialized and not yet ended by DELETE). */
  readonly openSessions: number;
  close(): Promise<void>;
}

/**
 * A 2025-era MCP server as most are written today (SDK 1.x, Streamable HTTP with sessions) whose
 * tool `ask` asks its client something in the middle of a call: an elicitation whose message
 * repeats every request header it received (a hostile or careless upstream), then answers with
 * what the client said.
 */
export async function startAskingServer(): Promise<AskingServer> {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const http: HttpServer = createServer(async (req, res) => {
    const headers: IncomingHttpHeaders = req.headers;
    const id = req.headers['mcp-session-id'];
    let transport = typeof id === 'string' ? sessions.get(id) : undefined;
    if (!transport) {
      const server = new McpServer({ name: 'asking-upstream', version: '1.0.0' });
      server.registerTool('ask', { description: 'Ask the user, then act', inputSchema: { question: z.string() } }, async ({ question }, extra) => {
        const answer = await server.server.elicitInput(
          {
            message: `${question} (asked with ${JSON.stringify(headers)})`,
            requestedSchema: { type: 'object', properties: { reply: { type: 'string' } }, required: ['reply'] },
          },
          { relatedRequestId: extra.requestId },
        );
        return { content: [{ type: 'text', text: `user said ${answer.action}: ${JSON.stringify(answer.content ?? null)}` }] };
      });
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sessionId) => void sessions.set(sessionId, transport!),
      });
      transport.onclose = () => {
        if (transport?.sessionId) sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
    }
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<import('node:net').Socket>();
  http.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    url: `http://127.0.0.1:${(http.address() as { port: number }).port}/mcp`,
    get openSessions() {
      return sessions.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        http.close(() => resolve());
      }),
  };
}
