import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export interface TestTool {
  name: string;
  description?: string;
  inputSchema: { type: 'object'; properties?: Record<string, unknown> };
}

export interface Listening {
  url: string;
  port: number;
  /** Requests this server has received. */
  hits: number;
  close(): Promise<void>;
}

export interface McpServerOptions {
  transport: 'streamable_http' | 'sse';
  host?: string;
  port?: number;
  tools?: TestTool[];
  /** Tools per tools/list page; the rest follows through nextCursor. */
  pageSize?: number;
  /** Answer 401 unless this header carries this value. */
  requireHeader?: { name: string; value: string };
  /** Wait this long before handling each request: a slow but healthy server. */
  delayMs?: number;
  /** A hostile upstream: serverInfo and tools made from the request headers it received. */
  reflect?: {
    serverInfo?: (headers: IncomingHttpHeaders) => { name: string; version: string };
    tools?: (headers: IncomingHttpHeaders) => TestTool[];
  };
}

export const DEFAULT_TOOLS: TestTool[] = [
  { name: 'search', description: 'Search the knowledge base', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
  { name: 'refund', description: 'Refund an order', inputSchema: { type: 'object', properties: { order: { type: 'string' } } } },
];

/** The SDK's low-level server with a paginated tools/list. */
function mcpServer(tools: TestTool[], pageSize: number, info = { name: 'test-mcp', version: '1.2.3' }): Server {
  const server = new Server(info, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const start = Number(request.params?.cursor ?? 0);
    const next = start + pageSize;
    return { tools: tools.slice(start, next), ...(next < tools.length ? { nextCursor: String(next) } : {}) };
  });
  return server;
}

function listen(
  server: HttpServer | ReturnType<typeof createTcpServer>,
  host: string,
  port: number,
  scheme: string,
  path: string,
  counter: { hits: number },
): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return new Promise((resolve) => {
    server.listen(port, host, () => {
      const address = server.address() as { port: number };
      const hostPart = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `${scheme}://${hostPart}:${address.port}${path}`,
        port: address.port,
        get hits() {
          return counter.hits;
        },
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A real MCP server from the SDK's server classes, on a free port. */
export async function startMcpServer(options: McpServerOptions): Promise<Listening> {
  const pageSize = options.pageSize ?? 100;
  const serverFor = (req: IncomingMessage) =>
    mcpServer(options.reflect?.tools?.(req.headers) ?? options.tools ?? DEFAULT_TOOLS, pageSize, options.reflect?.serverInfo?.(req.headers));
  const counter = { hits: 0 };
  const sessions = new Map<string, SSEServerTransport>();
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    counter.hits += 1;
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    const required = options.requireHeader;
    if (required && req.headers[required.name.toLowerCase()] !== required.value) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (options.transport === 'streamable_http') {
      const server = serverFor(req);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } else if (req.method === 'GET' && url.pathname === '/sse') {
      const transport = new SSEServerTransport('/messages', res);
      sessions.set(transport.sessionId, transport);
      res.on('close', () => sessions.delete(transport.sessionId));
      await serverFor(req).connect(transport);
    } else if (req.method === 'POST' && url.pathname === '/messages') {
      const transport = sessions.get(url.searchParams.get('sessionId') ?? '');
      if (!transport) res.writeHead(404).end();
      else await transport.handlePostMessage(req, res);
    } else {
      res.writeHead(404).end();
    }
  };
  const server = createHttpServer((req, res) => void handler(req, res));
  return listen(server, options.host ?? '127.0.0.1', options.port ?? 0, 'http', options.transport === 'sse' ? '/sse' : '/mcp', counter);
}

/** Accepts connections and never says a word. */
export function startSilentServer(host = '127.0.0.1'): Promise<Listening> {
  const counter = { hits: 0 };
  const server = createTcpServer(() => {
    counter.hits += 1;
  });
  return listen(server, host, 0, 'http', '/mcp', counter);
}

/** Any handler on plain HTTP: a web page, a token endpoint, a redirect. */
export function startHttpServer(handle: (req: IncomingMessage, res: ServerResponse, body: string) => void, host = '127.0.0.1'): Promise<Listening> {
  const counter = { hits: 0 };
  const server = createHttpServer((req, res) => {
    counter.hits += 1;
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => handle(req, res, body));
  });
  return listen(server, host, 0, 'http', '/mcp', counter);
}

/** HTTPS with a freshly made self-signed certificate, which a client must refuse. */
export function startSelfSignedHttps(): Promise<Listening> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-tls-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
    { stdio: 'ignore' },
  );
  const counter = { hits: 0 };
  const server = createHttpsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) => {
    counter.hits += 1;
    res.end('{}');
  });
  rmSync(dir, { recursive: true, force: true });
  return listen(server as unknown as HttpServer, '127.0.0.1', 0, 'https', '/mcp', counter);
}

/** How an upstream might echo what it was sent. */
export const ECHO_ENCODINGS = [
  'raw',
  'json',
  'percent',
  'form',
  'base64',
  'base64-at-1',
  'base64-at-2',
  'base64url',
  'value-base64',
  'value-base64url',
  'value-hex',
] as const;
export type EchoEncoding = (typeof ECHO_ENCODINGS)[number];

const STANDARD_HEADERS = new Set([
  'host',
  'connection',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-type',
  'content-length',
  'user-agent',
  'sec-fetch-mode',
  'mcp-protocol-version',
  'cache-control',
  'pragma',
]);

/** The request headers that carry something of the caller's (credentials, custom headers) in one encoding. */
export function echoed(headers: IncomingHttpHeaders, as: EchoEncoding): string {
  const own = Object.fromEntries(
    Object.entries(headers)
      .filter(([name]) => !STANDARD_HEADERS.has(name))
      .map(([name, value]) => [name, String(value)]),
  );
  const json = JSON.stringify(own);
  const values = Object.values(own);
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  switch (as) {
    case 'raw':
      return Object.entries(own)
        .map(([name, value]) => `${name}: ${value}`)
        .join('\n');
    case 'json':
      return json;
    case 'percent':
      return encodeURIComponent(json);
    case 'form':
      return new URLSearchParams(own).toString();
    case 'base64':
      return b64(json);
    case 'base64-at-1':
      return b64(`x${json}`);
    case 'base64-at-2':
      return b64(`xy${json}`);
    case 'base64url':
      return Buffer.from(json).toString('base64url');
    case 'value-base64':
      return values.map(b64).join(' ');
    case 'value-base64url':
      return values.map((v) => Buffer.from(v).toString('base64url')).join(' ');
    case 'value-hex':
      return values.map((v) => Buffer.from(v).toString('hex')).join(' ');
  }
}

/** Every encoding at once, for answers with room for it (descriptions). */
export const echoedEverywhere = (headers: IncomingHttpHeaders) => ECHO_ENCODINGS.map((as) => echoed(headers, as)).join(' | ');

/** Fails every request, echoing its headers in its error body, encoded as `?as=` says (JSON by default). */
export function startEchoingErrorServer(status = 500): Promise<Listening> {
  return startHttpServer((req, res) => {
    const as = (new URL(req.url ?? '/', 'http://localhost').searchParams.get('as') ?? 'json') as EchoEncoding;
    res.writeHead(status, { 'Content-Type': 'text/plain' }).end(`bad request, you sent ${echoed(req.headers, as)}`);
  });
}
