import { aitronosCreateBody } from '../support/builders';
import { startHttpServer, startMcpServer, startSelfSignedHttps, startSilentServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let key: string;
const ORG = 'org_probe';
const running: Listening[] = [];
const TIMEOUT_MS = 1500;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: TIMEOUT_MS });
  ({ key } = await gw.aitronosKey({ orgs: [ORG] }));
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  await gw.close();
});

async function serve<T extends Listening>(server: Promise<T>): Promise<T> {
  const started = await server;
  running.push(started);
  return started;
}

async function createAndTest(overrides: Record<string, unknown>) {
  const created = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody(ORG, overrides));
  expect(created.status).toBe(201);
  const res = await gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key);
  expect(res.status).toBe(200);
  const stored = await gw.http.get(`/v1/mcp-configurations/${created.body.id}`).set('X-API-Key', key);
  return { id: created.body.id as string, result: res.body, stored: stored.body };
}

describe('POST /v1/mcp-configurations/{id}/test', () => {
  it.each(['streamable_http', 'sse'] as const)('connects over %s, lists the tools and stores the outcome', async (transport) => {
    const server = await serve(startMcpServer({ transport }));
    const { result, stored } = await createAndTest({ server_url: server.url, transport_type: transport });
    expect(result).toEqual({
      success: true,
      status: 'connected',
      message: 'Connected; 2 tool(s) available',
      available_tools: ['search', 'refund'],
      enabled_tools: ['search', 'refund'],
      failure_class: null,
      latency_ms: expect.any(Number),
      protocol_version: expect.stringMatching(/^\d{4}-\d\d-\d\d$/),
      server_info: { name: 'test-mcp', version: '1.2.3' },
    });
    expect(stored).toMatchObject({ connectionStatus: 'connected', lastConnectedAt: expect.any(String), errorMessage: null });
  });

  it('follows tools/list pagination to the last page', async () => {
    const tools = Array.from({ length: 23 }, (_, i) => ({ name: `tool_${i}`, inputSchema: { type: 'object' as const } }));
    const server = await serve(startMcpServer({ transport: 'streamable_http', tools, pageSize: 5 }));
    const { result } = await createAndTest({ server_url: server.url });
    expect(result.available_tools).toEqual(tools.map((t) => t.name));
  });

  it('shows which discovered tools the tool configuration enables', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const allowed = await createAndTest({ server_url: server.url, tool_configuration: { enabled: true, allowed_tools: ['refund', 'not_offered'] } });
    expect(allowed.result).toMatchObject({ available_tools: ['search', 'refund'], enabled_tools: ['refund'] });
    const disabled = await createAndTest({ server_url: server.url, tool_configuration: { enabled: false } });
    expect(disabled.result).toMatchObject({ available_tools: ['search', 'refund'], enabled_tools: [] });
  });

  describe('bearer token', () => {
    let server: Listening;
    beforeAll(async () => {
      server = await serve(startMcpServer({ transport: 'streamable_http', requireHeader: { name: 'Authorization', value: 'Bearer right-token' } }));
    });

    it('connects with the right token', async () => {
      const { result } = await createAndTest({ server_url: server.url, auth_type: 'bearer_token', credentials: { token: 'right-token' } });
      expect(result).toMatchObject({ success: true, status: 'connected' });
    });

    it.each([
      ['a wrong token', { auth_type: 'bearer_token', credentials: { token: 'wrong-token' } }],
      ['no token', { auth_type: 'none' }],
    ])('fails with failure_class auth for %s, stores it, and never echoes the token', async (_label, auth) => {
      const { result, stored } = await createAndTest({ server_url: server.url, ...auth });
      expect(result).toMatchObject({ success: false, status: 'failed', failure_class: 'auth', available_tools: null, enabled_tools: null });
      expect(stored).toMatchObject({ connectionStatus: 'failed', lastConnectedAt: null, errorMessage: expect.stringMatching(/^auth: /) });
      expect(JSON.stringify([result, stored])).not.toContain('wrong-token');
    });
  });

  it('sends an api_key in its header', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http', requireHeader: { name: 'X-Upstream-Key', value: 'k-123' } }));
    const ok = await createAndTest({ server_url: server.url, auth_type: 'api_key', credentials: { api_key: 'k-123', header_name: 'X-Upstream-Key' } });
    expect(ok.result.success).toBe(true);
    const wrong = await createAndTest({ server_url: server.url, auth_type: 'api_key', credentials: { api_key: 'k-999', header_name: 'X-Upstream-Key' } });
    expect(wrong.result.failure_class).toBe('auth');
  });

  describe('OAuth client credentials', () => {
    let tokenEndpoint: Listening;
    let server: Listening;
    const issued: string[] = [];
    beforeAll(async () => {
      tokenEndpoint = await serve(
        startHttpServer((req, res, body) => {
          const form = new URLSearchParams(body);
          const basic = Buffer.from('gateway:client-secret-1').toString('base64');
          if (req.method !== 'POST' || req.headers.authorization !== `Basic ${basic}` || form.get('grant_type') !== 'client_credentials') {
            res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_client"}');
            return;
          }
          const token = `issued-${issued.length}-scope-${form.get('scope')}`;
          issued.push(token);
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 60 }));
        }),
      );
      server = await serve(startMcpServer({ transport: 'streamable_http', requireHeader: { name: 'Authorization', value: 'Bearer issued-0-scope-tools' } }));
    });

    it('fetches a token from token_url and connects with it', async () => {
      const { result } = await createAndTest({
        server_url: server.url,
        auth_type: 'oauth',
        credentials: { client_id: 'gateway', client_secret: 'client-secret-1', token_url: tokenEndpoint.url.replace('/mcp', '/token'), scope: 'tools' },
      });
      expect(result).toMatchObject({ success: true, status: 'connected' });
      expect(issued).toEqual(['issued-0-scope-tools']);
    });

    it('fails with auth when the token endpoint refuses the client', async () => {
      const { result } = await createAndTest({
        server_url: server.url,
        auth_type: 'oauth',
        credentials: { client_id: 'gateway', client_secret: 'wrong-secret', token_url: tokenEndpoint.url.replace('/mcp', '/token') },
      });
      expect(result).toMatchObject({ success: false, failure_class: 'auth', message: expect.stringMatching(/token endpoint refused/) });
      expect(JSON.stringify(result)).not.toContain('wrong-secret');
    });

    it('sends a stored access token as a bearer token', async () => {
      const direct = await serve(startMcpServer({ transport: 'sse', requireHeader: { name: 'Authorization', value: 'Bearer stored-access-token' } }));
      const { result } = await createAndTest({
        server_url: direct.url,
        transport_type: 'sse',
        auth_type: 'oauth',
        credentials: { access_token: 'stored-access-token' },
      });
      expect(result.success).toBe(true);
    });
  });

  it('sends the stored request headers, and keeps their values out of any message', async () => {
    const zudu = await gw.zuduKey(ORG);
    const server = await serve(startMcpServer({ transport: 'streamable_http', requireHeader: { name: 'X-Tenant', value: 'acme-secret-header' } }));
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({ config: { name: 'with headers', url: server.url, transport: 'STREAMABLE_HTTP', request_headers: { 'X-Tenant': 'acme-secret-header' } } });
    const res = await gw.http.post(`/v1/mcp-configurations/${created.body.data.id}/test`).set('X-API-Key', key);
    expect(res.body.success).toBe(true);
  });

  it('reports a server that never answers as timeout, within the timeout and a small margin', async () => {
    const silent = await serve(startSilentServer());
    const started = Date.now();
    const { result, stored } = await createAndTest({ server_url: silent.url });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ success: false, failure_class: 'timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1500);
    expect(stored.errorMessage).toMatch(/^timeout: /);
  });

  it('reports a plain web server that is not MCP as protocol', async () => {
    const web = await serve(startHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>hello</html>')));
    const { result } = await createAndTest({ server_url: web.url });
    expect(result).toMatchObject({ success: false, failure_class: 'protocol' });
  });

  it('reports a server whose certificate cannot be verified as tls', async () => {
    const tls = await serve(startSelfSignedHttps());
    const { result } = await createAndTest({ server_url: tls.url });
    expect(result).toMatchObject({ success: false, failure_class: 'tls' });
  });

  it('reports nothing listening as transport', async () => {
    const gone = await startSilentServer();
    await gone.close();
    const { result } = await createAndTest({ server_url: gone.url });
    expect(result).toMatchObject({ success: false, failure_class: 'transport' });
  });

  it('classifies the same failures the same way over SSE', async () => {
    const guarded = await serve(startMcpServer({ transport: 'sse', requireHeader: { name: 'Authorization', value: 'Bearer right' } }));
    const web = await serve(startHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html></html>')));
    const tls = await serve(startSelfSignedHttps());
    const gone = await startSilentServer();
    await gone.close();
    const sse = (url: string, extra: Record<string, unknown> = {}) => createAndTest({ server_url: url, transport_type: 'sse', ...extra });
    expect((await sse(guarded.url, { auth_type: 'bearer_token', credentials: { token: 'wrong-sse-token' } })).result.failure_class).toBe('auth');
    expect((await sse(web.url)).result.failure_class).toBe('protocol');
    expect((await sse(tls.url)).result.failure_class).toBe('tls');
    expect((await sse(gone.url)).result.failure_class).toBe('transport');
  });

  it('reports a bearer reference to a secret that does not exist as config, without connecting', async () => {
    const zudu = await gw.zuduKey(ORG);
    const server = await serve(startMcpServer({ transport: 'sse' }));
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({ config: { name: 'dangling', url: server.url, secret_token: { secret_id: 'secret_missing' } } });
    const res = await gw.http.post(`/v1/mcp-configurations/${created.body.data.id}/test`).set('X-API-Key', key);
    expect(res.body).toMatchObject({ success: false, failure_class: 'config', message: expect.stringMatching(/secret_missing.*does not exist/) });
    expect(server.hits).toBe(0);
  });

  it('answers 404 only for an unknown id, and for another organization’s configuration', async () => {
    expect((await gw.http.post('/v1/mcp-configurations/mcp_missing/test').set('X-API-Key', key)).status).toBe(404);
    const other = await gw.aitronosKey({ orgs: ['org_probe_other'] });
    const theirs = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', other.key).send(aitronosCreateBody('org_probe_other'));
    const res = await gw.http.post(`/v1/mcp-configurations/${theirs.body.id}/test`).set('X-API-Key', key);
    expect(res.status).toBe(404);
  });

  describe('a test that finishes after the configuration changed', () => {
    /** Starts a test and resolves, with the test still running, once the upstream has seen its first request. */
    async function startTest(id: string, upstream: Listening): Promise<{ pending: Promise<import('supertest').Response> }> {
      const before = upstream.hits;
      const pending = gw.http
        .post(`/v1/mcp-configurations/${id}/test`)
        .set('X-API-Key', key)
        .then((r) => r);
      for (let i = 0; i < 200 && upstream.hits === before; i += 1) await new Promise((r) => setTimeout(r, 10));
      expect(upstream.hits).toBeGreaterThan(before);
      // Wrapped: an async function returning the promise itself would wait for the test to end.
      return { pending };
    }

    it('answers the live outcome but does not store it against a URL it never tested', async () => {
      const old = await serve(startMcpServer({ transport: 'streamable_http', delayMs: 200 }));
      const next = await serve(startMcpServer({ transport: 'streamable_http' }));
      const created = await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send(aitronosCreateBody(ORG, { server_url: old.url }));
      const { pending } = await startTest(created.body.id, old);
      const moved = await gw.http.patch(`/v1/mcp-configurations/${created.body.id}`).set('X-API-Key', key).send({ server_url: next.url });
      expect(moved.status).toBe(200);
      const result = await pending;
      expect(result.body).toMatchObject({ success: true, status: 'connected' });
      const stored = await gw.http.get(`/v1/mcp-configurations/${created.body.id}`).set('X-API-Key', key);
      expect(stored.body).toMatchObject({ serverUrl: next.url, connectionStatus: 'untested', lastConnectedAt: null, errorMessage: null });
      expect(next.hits).toBe(0);
    });

    it('does not store an outcome earned with a secret that was rotated meanwhile', async () => {
      const zudu = await gw.zuduKey(ORG);
      const upstream = await serve(
        startMcpServer({ transport: 'streamable_http', delayMs: 200, requireHeader: { name: 'Authorization', value: 'Bearer before-rotation' } }),
      );
      const secret = await gw.http.post('/api/secrets').set(zudu.headers).send({ name: 'rotating', value: 'before-rotation' });
      const created = await gw.http
        .post('/api/mcp-servers')
        .set(zudu.headers)
        .send({ config: { name: 'rotating', url: upstream.url, transport: 'STREAMABLE_HTTP', secret_token: { secret_id: secret.body.data.secret_id } } });
      const id = created.body.data.id as string;
      const { pending } = await startTest(id, upstream);
      expect((await gw.http.patch(`/api/secrets/${secret.body.data.secret_id}`).set(zudu.headers).send({ value: 'after-rotation' })).status).toBe(200);
      const result = await pending;
      expect(result.body).toMatchObject({ success: true });
      const stored = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key);
      expect(stored.body).toMatchObject({ connectionStatus: 'untested', lastConnectedAt: null, errorMessage: null });
    });

    it('does not store a failure earned with request headers that were changed meanwhile', async () => {
      const zudu = await gw.zuduKey(ORG);
      const upstream = await serve(startMcpServer({ transport: 'streamable_http', delayMs: 200, requireHeader: { name: 'X-Tenant', value: 'right' } }));
      const created = await gw.http
        .post('/api/mcp-servers')
        .set(zudu.headers)
        .send({ config: { name: 'headers change', url: upstream.url, transport: 'STREAMABLE_HTTP', request_headers: { 'X-Tenant': 'wrong' } } });
      const id = created.body.data.id as string;
      const { pending } = await startTest(id, upstream);
      expect(
        (
          await gw.http
            .patch(`/api/mcp-servers/${id}`)
            .set(zudu.headers)
            .send({ request_headers: { 'X-Tenant': 'right' } })
        ).status,
      ).toBe(200);
      expect((await pending).body).toMatchObject({ success: false, failure_class: 'auth' });
      const stored = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key);
      expect(stored.body).toMatchObject({ connectionStatus: 'untested', errorMessage: null });
    });
  });

  it('does not change the configuration’s updatedAt, only its connection fields', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody(ORG, { server_url: server.url }));
    await gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key);
    const stored = await gw.http.get(`/v1/mcp-configurations/${created.body.id}`).set('X-API-Key', key);
    expect(stored.body.updatedAt).toBe(created.body.updatedAt);
    expect(stored.body.connectionStatus).toBe('connected');
  });
});
