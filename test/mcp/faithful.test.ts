import type { Agent, AgentEra } from '../support/mcp-clients';
import { startEverything, type EverythingServer } from '../support/everything-server';
import { startMcpServer, type Listening, type TestTool } from '../support/mcp-servers';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { agentSet, createViaAitronos } from '../support/mcp-endpoint';

let gw: TestGateway;
let modern: ModernServer;
const agents = agentSet();
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', proxy: { callTimeoutMs: 1500 } });
  modern = await startModernServer({ legacy: 'stateless', echoHeaders: true });
});
afterAll(async () => {
  await agents.closeAll();
  await Promise.all(closers.map((c) => c()));
  await modern.close();
  await gw.close();
});

const base = (g = gw) => `http://127.0.0.1:${(g.server.address() as { port: number }).port}`;

async function serverFor(g: TestGateway, org: string, url: string, transport: 'streamable_http' | 'sse', extra: Record<string, unknown> = {}) {
  const { key } = await g.aitronosKey({ orgs: [org] });
  return { id: await createViaAitronos(g, key, org, url, { transport_type: transport, ...extra }), key };
}

async function agentOn(era: AgentEra, g: TestGateway, id: string, key: string): Promise<Agent> {
  const a = await agents.connect(era, `${base(g)}/mcp/${id}`, { Authorization: `Bearer ${key}` });
  return a;
}

const eventually = async (check: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  return check();
};

describe.each(['streamableHttp', 'sse'] as const)('the reference server (server-everything) over %s, through the gateway', (transport) => {
  let everything: EverythingServer;
  beforeAll(async () => {
    everything = await startEverything(transport);
    closers.push(() => everything.close());
  });

  it.each(['legacy', 'modern'] as const)('serves tools with progress, resources, prompts and completions to a %s-era agent', async (era) => {
    const { id, key } = await serverFor(gw, `org-everything-${era}`, everything.url, transport === 'sse' ? 'sse' : 'streamable_http');
    const client = await agentOn(era, gw, id, key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['echo', 'get-sum', 'trigger-long-running-operation']));
    expect(await client.callTool({ name: 'get-sum', arguments: { a: 19, b: 23 } })).toMatchObject({
      content: [{ type: 'text', text: expect.stringContaining('42') }],
    });
    const progress: number[] = [];
    const long = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 4 } },
      { onprogress: (p) => progress.push(p.progress) },
    );
    expect(long).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining('completed') }] });
    expect(progress.length).toBeGreaterThanOrEqual(2);
    // Resources and prompts pass through (the tool policy does not apply to them).
    const raw = await rawRequests(era, id, key);
    const resources = (await raw('resources/list', {})) as { resources: Array<{ uri: string }> };
    expect(resources.resources.length).toBeGreaterThan(0);
    const read = (await raw('resources/read', { uri: resources.resources[0]!.uri })) as { contents: unknown[] };
    expect(read.contents.length).toBe(1);
    const prompts = (await raw('prompts/list', {})) as { prompts: Array<{ name: string }> };
    expect(prompts.prompts.map((p) => p.name)).toContain('simple-prompt');
    const prompt = (await raw('prompts/get', { name: 'simple-prompt' })) as { messages: unknown[] };
    expect(prompt.messages.length).toBeGreaterThan(0);
    const completion = (await raw('completion/complete', {
      ref: { type: 'ref/prompt', name: 'completable-prompt' },
      argument: { name: 'department', value: 'S' },
    })) as {
      completion: { values: string[] };
    };
    expect(completion.completion.values.sort()).toEqual(['Sales', 'Support']);
  });
});

/** Resources and prompts through the same client line as the agent. */
async function rawRequests(era: AgentEra, id: string, key: string) {
  const url = new URL(`${base()}/mcp/${id}`);
  const requestInit = { headers: { Authorization: `Bearer ${key}` } };
  if (era === 'modern') {
    const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const client = new Client({ name: 'raw', version: '2' }, { versionNegotiation: { mode: 'auto' } });
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit }));
    closers.push(() => client.close());
    return (method: string, params: Record<string, unknown>) => client.request({ method, params } as never) as Promise<unknown>;
  }
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new Client({ name: 'raw', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit }));
  closers.push(() => client.close());
  const methods: Record<string, (p: never) => Promise<unknown>> = {
    'resources/list': (p) => client.listResources(p),
    'resources/read': (p) => client.readResource(p),
    'prompts/list': (p) => client.listPrompts(p),
    'prompts/get': (p) => client.getPrompt(p),
    'completion/complete': (p) => client.complete(p),
  };
  return (method: string, params: Record<string, unknown>) => methods[method]!(params as never);
}

describe.each(['legacy', 'modern'] as const)('faithful proxying to a %s-era agent', (era) => {
  it('cancels the upstream call when the agent cancels', async () => {
    const { id, key } = await serverFor(gw, `org-cancel-${era}`, modern.url, 'streamable_http');
    const client = await agentOn(era, gw, id, key);
    const before = modern.cancelled;
    const controller = new AbortController();
    const call = client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, { signal: controller.signal });
    await eventually(() => (modern.calls.slow ?? 0) > 0);
    setTimeout(() => controller.abort(), 200);
    await expect(call).rejects.toThrow();
    expect(await eventually(() => modern.cancelled > before)).toBe(true);
  });

  it('ends a call the upstream never answers at MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS with an error naming it, and cancels it upstream', async () => {
    const { id, key } = await serverFor(gw, `org-hang-${era}`, modern.url, 'streamable_http');
    const client = await agentOn(era, gw, id, key);
    const before = modern.cancelled;
    const started = Date.now();
    const error = await client.callTool({ name: 'hang', arguments: {} }, { timeout: 20_000 }).then(
      () => null,
      (e: { code?: number; message?: string; data?: { rule?: string; limit?: number } }) => e,
    );
    expect(error).toMatchObject({ code: -32031, data: { rule: 'call_timeout', limit: 1500, setting: 'MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS' } });
    expect(error!.message).toContain('MCP_GATEWAY_PROXY_CALL_TIMEOUT_MS');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await eventually(() => modern.cancelled > before)).toBe(true);
  });

  it("keeps the server's pooled connection when one call times out: another call in flight on it completes", async () => {
    const { id, key } = await serverFor(gw, `org-shared-${era}`, modern.url, 'streamable_http');
    const hanging = await agentOn(era, gw, id, key);
    const other = await agentOn(era, gw, id, key);
    const timedOut = hanging.callTool({ name: 'hang', arguments: {} }, { timeout: 20_000 }).then(
      () => null,
      (e: { code?: number }) => e,
    );
    await new Promise((r) => setTimeout(r, 400));
    // Ends after the hanging call's 1.5 s deadline, on the same pooled upstream connection.
    const slow = await other.callTool({ name: 'slow', arguments: { ms: 1400 } }, { timeout: 20_000 });
    expect(await timedOut).toMatchObject({ code: -32031 });
    expect(slow).toMatchObject({ content: [{ type: 'text', text: 'waited 1400 ms' }] });
  });

  it('masks every stored credential out of what the upstream returns', async () => {
    const { id, key } = await serverFor(gw, `org-echo-${era}`, modern.url, 'streamable_http', {
      auth_type: 'bearer',
      credentials: { token: 'echoed-secret-token-31337' },
    });
    const client = await agentOn(era, gw, id, key);
    const result = (await client.callTool({ name: 'echo', arguments: { text: 'hi' } })) as { content: Array<{ text: string }> };
    const text = result.content[0]!.text;
    expect(text).toContain('[redacted]');
    expect(JSON.stringify(result)).not.toContain('echoed-secret-token-31337');
    // The upstream did receive it (injected), and echoed it; the gateway masked it.
    expect(modern.headers.some((h) => h.authorization === 'Bearer echoed-secret-token-31337')).toBe(true);
  });

  it('passes tools/list pages and their cursors through from a paginating upstream', async () => {
    const tools: TestTool[] = Array.from({ length: 5 }, (_, i) => ({ name: `tool_${i}`, description: `Tool ${i}`, inputSchema: { type: 'object' } }));
    const paged: Listening = await startMcpServer({ transport: 'streamable_http', tools, pageSize: 2 });
    closers.push(() => paged.close());
    const { id, key } = await serverFor(gw, `org-pages-${era}`, paged.url, 'streamable_http');
    const client = await agentOn(era, gw, id, key);
    if (era === 'legacy') {
      const first = await client.listTools();
      expect(first.tools.map((t) => t.name)).toEqual(['tool_0', 'tool_1']);
      expect(first.nextCursor).toBe('2');
      const second = await client.listTools({ cursor: first.nextCursor });
      expect(second.tools.map((t) => t.name)).toEqual(['tool_2', 'tool_3']);
    } else {
      // The current SDK's listTools() follows every cursor itself.
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['tool_0', 'tool_1', 'tool_2', 'tool_3', 'tool_4']);
    }
  });
});

describe('2026-07-28 input_required through the gateway', () => {
  it("sends the agent's capabilities under the SDK's own _meta key", async () => {
    const sdk = await import('@modelcontextprotocol/client');
    const { CLIENT_CAPABILITIES_META_KEY } = await import('../../core/proxy/proxy-model');
    expect(CLIENT_CAPABILITIES_META_KEY).toBe(sdk.CLIENT_CAPABILITIES_META_KEY);
  });

  it("returns the upstream's input request to the agent and forwards the agent's answers and state back to it", async () => {
    const { id, key } = await serverFor(gw, 'org-mrtr', modern.url, 'streamable_http');
    const { Client, StreamableHTTPClientTransport } = await import('@modelcontextprotocol/client');
    const asked: unknown[] = [];
    const client = new Client({ name: 'agent', version: '2' }, { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: { form: {} } } });
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push(request.params);
      return { action: 'accept', content: { ok: true } };
    });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base()}/mcp/${id}`), { requestInit: { headers: { Authorization: `Bearer ${key}` } } }));
    closers.push(() => client.close());
    const result = await client.callTool({ name: 'confirm', arguments: {} });
    expect(asked).toEqual([expect.objectContaining({ message: 'Proceed?' })]);
    expect(result).toMatchObject({ content: [{ type: 'text', text: 'answered accept {"ok":true} with state state-from-upstream' }] });
  });
});

describe('pooled upstream connections', () => {
  it('are closed once unused for MCP_GATEWAY_PROXY_IDLE_MS', async () => {
    const idle = await startTestGateway({ allowedHosts: '127.0.0.1', proxy: { idleMs: 1000 } });
    try {
      const { id, key } = await serverFor(idle, 'org-idle', modern.url, 'streamable_http');
      const client = await agentOn('modern', idle, id, key);
      await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
      expect(idle.services.proxy.pool.size).toBe(1);
      expect(await eventually(() => idle.services.proxy.pool.size === 0, 5000)).toBe(true);
    } finally {
      await idle.close();
    }
  });
});

describe('an upstream that cannot be reached', () => {
  it('is tried once per 5 s, not once per message: a failed connect is the answer meanwhile', async () => {
    // Accepts each connection and closes it at once, counting them.
    const { createServer } = await import('node:net');
    let connections = 0;
    const slammer = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((r) => slammer.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => slammer.close(() => r())));
    const port = (slammer.address() as { port: number }).port;
    const { id, key } = await serverFor(gw, 'org-down-cached', `http://127.0.0.1:${port}/mcp`, 'streamable_http');
    const client = await agentOn('modern', gw, id, key);
    await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: -32033 });
    const afterFirst = connections;
    expect(afterFirst).toBeGreaterThan(0);
    for (let i = 0; i < 3; i += 1) await expect(client.callTool({ name: 'echo', arguments: { text: 'x' } })).rejects.toMatchObject({ code: -32033 });
    expect(connections).toBe(afterFirst);
  });

  it("answers -32033 with the connection test's failure class and sentence, naming no address", async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const { id, key } = await serverFor(gw, 'org-down', `http://127.0.0.1:${port}/mcp`, 'streamable_http');
    const raw = await gw.http
      .post(`/mcp/${id}`)
      .set('Authorization', `Bearer ${key}`)
      .set('Accept', 'application/json, text/event-stream')
      .set('MCP-Protocol-Version', '2025-06-18')
      .send({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
    const message = JSON.parse(/^data: (.*)$/m.exec(raw.text)?.[1] ?? raw.text);
    expect(message.error).toMatchObject({
      code: -32033,
      message: expect.stringContaining('Could not reach the server: the connection was refused (ECONNREFUSED)'),
      data: { rule: 'upstream_unavailable', failureClass: 'transport' },
    });
    expect(message.error.message).not.toContain(String(port));
  });
});

describe('the per-organization limit on upstream calls', () => {
  it('refuses a call past MCP_GATEWAY_PROXY_CONCURRENCY_PER_ORG with an error naming it, while another organization is served', async () => {
    const limited = await startTestGateway({ allowedHosts: '127.0.0.1', proxy: { maxConcurrentPerOrganization: 1, queueTimeoutMs: 200 } });
    try {
      const busy = await serverFor(limited, 'org-busy', modern.url, 'streamable_http');
      const calm = await serverFor(limited, 'org-calm', modern.url, 'streamable_http');
      const first = await agentOn('modern', limited, busy.id, busy.key);
      const second = await agentOn('modern', limited, busy.id, busy.key);
      const other = await agentOn('modern', limited, calm.id, calm.key);
      const slow = first.callTool({ name: 'slow', arguments: { ms: 1200 } });
      await eventually(() => (modern.calls.slow ?? 0) > 0);
      await new Promise((r) => setTimeout(r, 100));
      const refused = await second.callTool({ name: 'add', arguments: { a: 1, b: 1 } }).then(
        () => null,
        (e: { code?: number; message?: string; data?: unknown }) => e,
      );
      expect(refused).toMatchObject({ code: -32032, data: { rule: 'concurrency_limit', limit: 1, setting: 'MCP_GATEWAY_PROXY_CONCURRENCY_PER_ORG' } });
      expect(await other.callTool({ name: 'add', arguments: { a: 2, b: 2 } })).toMatchObject({ content: [{ text: '4' }] });
      await slow;
    } finally {
      await limited.close();
    }
  });
});
