/**
 * The bench's upstream MCP server: built with the official SDK's current server line, serving
 * both eras statelessly, with one trivial tool (`echo`). The proxy scenarios call it through the
 * gateway and directly, in the same run.
 */
import { createServer } from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { z } from 'zod';

const handler = toNodeHandler(
  createMcpHandler(() => {
    const server = new McpServer({ name: 'bench-upstream', version: '1.0.0' });
    server.registerTool('echo', { description: 'Echo the text back', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
      content: [{ type: 'text', text }],
    }));
    return server;
  }),
);

createServer((req, res) => void handler(req, res)).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
