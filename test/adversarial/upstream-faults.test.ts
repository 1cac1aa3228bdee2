import { aitronosCreateBody } from '../support/builders';
import { startHttpServer, startSilentServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

// Long enough for a 10 MB answer to reach the 8 MB cap on a loaded shared VM (1.2 s timed out once in CI).
const TIMEOUT_MS = 3000;
let gw: TestGateway;
let key: string;
const running: Listening[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: TIMEOUT_MS, maxConcurrentProbes: 16 });
  ({ key } = await gw.aitronosKey({ orgs: ['org_faults'] }));
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  await gw.close();
});

const serve = async (server: Promise<Listening>) => {
  const s = await server;
  running.push(s);
  return s;
};

async function probe(url: string, transport: 'sse' | 'streamable_http' = 'streamable_http') {
  const created = await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', key)
    .send(aitronosCreateBody('org_faults', { server_url: url, transport_type: transport }));
  const started = Date.now();
  const res = await gw.http
    .post(`/v1/mcp-configurations/${created.body.id}/test`)
    .set('X-API-Key', key)
    .timeout(TIMEOUT_MS + 5000);
  return { result: res.body, elapsed: Date.now() - started };
}

/** An answer to initialize, so the client gets as far as tools/list. */
const initialized = (id: unknown) =>
  JSON.stringify({ jsonrpc: '2.0', id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'faulty', version: '1' } } });

/** A server that initializes properly, then answers tools/list with `toolsList`. */
function faultyAfterInit(toolsList: (res: import('node:http').ServerResponse, id: unknown) => void) {
  return startHttpServer((req, res, body) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const message = JSON.parse(body || '{}') as { id?: unknown; method?: string };
    if (message.method === 'initialize') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(initialized(message.id));
    if (message.method === 'tools/list') return toolsList(res, message.id);
    res.writeHead(202).end();
  });
}

describe('probes against misbehaving upstreams', () => {
  it('ends a probe of a server that never answers within its timeout', async () => {
    const silent = await serve(startSilentServer());
    const { result, elapsed } = await probe(silent.url);
    expect(result.failure_class).toBe('timeout');
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('ends a probe of a server that trickles its answer a byte at a time', async () => {
    const trickle = await serve(
      startHttpServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        const timer = setInterval(() => res.write(':'), 50);
        res.on('close', () => clearInterval(timer));
      }),
    );
    const { result, elapsed } = await probe(trickle.url);
    expect(result.failure_class).toBe('timeout');
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('refuses a 10 MB tool list without holding it in memory', async () => {
    const huge = await serve(
      faultyAfterInit((res, id) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        const description = 'x'.repeat(1024);
        const tools = Array.from({ length: 10 * 1024 }, (_, i) => ({ name: `tool_${i}`, description, inputSchema: { type: 'object' } }));
        res.end(JSON.stringify({ jsonrpc: '2.0', id, result: { tools } }));
      }),
    );
    const before = process.memoryUsage().rss;
    const { result, elapsed } = await probe(huge.url);
    expect(result).toMatchObject({ success: false, failure_class: 'protocol', message: expect.stringMatching(/larger than 8 MB/) });
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('reports invalid JSON-RPC as protocol', async () => {
    const garbage = await serve(
      startHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"jsonrpc": "2.0", "result": ')),
    );
    const { result } = await probe(garbage.url);
    expect(result).toMatchObject({ success: false, failure_class: 'protocol' });
    const wrongShape = await serve(
      faultyAfterInit((res, id) =>
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { tools: 'not a list' } })),
      ),
    );
    expect((await probe(wrongShape.url)).result).toMatchObject({ success: false, failure_class: 'protocol' });
  });

  /** A tools/list answer whose one tool's input schema nests `depth` objects, written as text (no recursion). */
  const nestedSchemaTool = (depth: number) =>
    `{"name":"deep","inputSchema":${'{"type":"object","properties":{"a":'.repeat(depth)}{"type":"string"}${'}}'.repeat(depth)}}`;
  const deepUpstream = (depth: number) =>
    faultyAfterInit((res, id) =>
      res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":{"tools":[${nestedSchemaTool(depth)}]}}`),
    );

  it('stores a tool schema 5,000 levels deep as a protocol failure saying so, in /test and in Zudu /tools, never a 500', async () => {
    const deep = await serve(deepUpstream(5000));
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody('org_faults', { server_url: deep.url }));
    const tested = await gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key);
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({
      success: false,
      failure_class: 'protocol',
      message: expect.stringMatching(/input schema is too deeply nested \(more than 64 levels/),
    });
    const stored = await gw.http.get(`/v1/mcp-configurations/${created.body.id}`).set('X-API-Key', key);
    expect(stored.body).toMatchObject({ connectionStatus: 'failed', errorMessage: expect.stringMatching(/^protocol: .*too deeply nested/) });

    const zudu = await gw.zuduKey('org_faults');
    const tools = await gw.http.get(`/api/mcp-servers/${created.body.id}/tools`).set(zudu.headers);
    expect(tools.status).toBe(502);
    expect(tools.body.error).toMatch(/^protocol: .*too deeply nested/);
  });

  it('still lists a tool whose schema nests deeply but within the limit', async () => {
    const fine = await serve(deepUpstream(30));
    const { result } = await probe(fine.url);
    expect(result).toMatchObject({ success: true, available_tools: ['deep'] });
  });

  it.each(['streamable_http', 'sse'] as const)('reports a server that closes mid-stream (%s) without hanging', async (transport) => {
    const closer = await serve(
      startHttpServer((req, res) => {
        res.writeHead(200, { 'Content-Type': transport === 'sse' ? 'text/event-stream' : 'application/json' });
        res.write(transport === 'sse' ? 'event: endpoint\n' : '{"jsonrpc":"2.0",');
        setTimeout(() => req.socket.destroy(), 20);
      }),
    );
    const { result, elapsed } = await probe(closer.url, transport);
    expect(result.success).toBe(false);
    expect(['transport', 'protocol', 'timeout']).toContain(result.failure_class);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
  });

  it('keeps serving other requests normally while 100 probes wait on a hanging server', async () => {
    const silent = await serve(startSilentServer());
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody('org_faults', { server_url: silent.url }));
    const probes = Promise.all(Array.from({ length: 100 }, () => gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key)));
    await new Promise((r) => setTimeout(r, 200));
    const latencies: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const started = Date.now();
      const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_faults', limit: 5 }).set('X-API-Key', key);
      latencies.push(Date.now() - started);
      expect(res.status).toBe(200);
    }
    const results = await probes;
    // Changed by issue 11 item 7: a test that waited longer than the queue timeout for a slot is
    // `busy` (it never started and is not stored), no longer a `timeout` charged to the server.
    expect(results.every((r) => r.status === 200 && ['timeout', 'busy'].includes(r.body.failure_class))).toBe(true);
    expect(results.filter((r) => r.body.failure_class === 'timeout').length).toBeGreaterThanOrEqual(16);
    const stored = await gw.http.get(`/v1/mcp-configurations/${created.body.id}`).set('X-API-Key', key);
    expect(stored.body.errorMessage).toMatch(/^timeout: The server did not complete/);
    // Generous: what matters is that nothing waits behind the probes.
    expect(Math.max(...latencies)).toBeLessThan(1000);
  }, 30000);
});
