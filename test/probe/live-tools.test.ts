import { toolHashOf } from '../support/tool-hash';
import { startMcpServer, startSilentServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let auth: Record<string, string>;
let aitronosKey: string;
const ORG = 'org_tools';
const running: Listening[] = [];

beforeAll(async () => {
  // 3 s: the silent server's test waits for it; 1 s was once too short for the file's first live
  // probe on PostgreSQL in a clean-clone CI run on this shared 2-core machine (it passes alone).
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: 3000 });
  ({ headers: auth } = await gw.zuduKey(ORG));
  ({ key: aitronosKey } = await gw.aitronosKey({ orgs: [ORG] }));
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  await gw.close();
});

async function serve(server: Promise<Listening>): Promise<Listening> {
  const started = await server;
  running.push(started);
  return started;
}

async function createServer(config: Record<string, unknown>) {
  const res = await gw.http
    .post('/api/mcp-servers')
    .set(auth)
    .send({ config: { name: `tools ${Math.random()}`, ...config } });
  expect(res.status).toBe(200);
  return res.body.data.id as string;
}

describe('GET /api/mcp-servers/{id}/tools', () => {
  it('lists the live tools in the success envelope, auto-approved under auto_approve_all', async () => {
    const server = await serve(startMcpServer({ transport: 'sse' }));
    const id = await createServer({ url: server.url, transport: 'SSE' });
    const res = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: 'MCP server tools retrieved successfully',
      status: 'success',
      error: null,
      data: [
        {
          name: 'search',
          description: 'Search the knowledge base',
          inputSchema: { type: 'object', properties: { q: { type: 'string' } } },
          approval_state: 'auto_approved',
          enabled: true,
        },
        {
          name: 'refund',
          description: 'Refund an order',
          inputSchema: { type: 'object', properties: { order: { type: 'string' } } },
          approval_state: 'auto_approved',
          enabled: true,
        },
      ],
    });
  });

  it('marks approvals per tool: approved, requiring approval, and stale when the tool changed since it was approved', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const id = await createServer({ url: server.url, transport: 'STREAMABLE_HTTP', approval_policy: 'require_approval_per_tool' });
    // "search" approved for its current definition; "refund" approved for an older one.
    await gw.http
      .post(`/api/mcp-servers/${id}/tool-approvals`)
      .set(auth)
      .send({
        tool_name: 'search',
        tool_description: 'Search the knowledge base',
        input_schema: { type: 'object', properties: { q: { type: 'string' } } },
        approval_policy: 'auto_approved',
      });
    await gw.http
      .post(`/api/mcp-servers/${id}/tool-approvals`)
      .set(auth)
      .send({
        tool_name: 'refund',
        tool_hash: toolHashOf('Refund an order (old wording)', { type: 'object' }),
        approval_policy: 'auto_approved',
      });
    const res = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(auth);
    expect(res.body.data.map((t: any) => [t.name, t.approval_state])).toEqual([
      ['search', 'auto_approved'],
      ['refund', 'stale'],
    ]);
    await gw.http.delete(`/api/mcp-servers/${id}/tool-approvals/refund`).set(auth);
    const after = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(auth);
    expect(after.body.data.map((t: any) => t.approval_state)).toEqual(['auto_approved', 'requires_approval']);
  });

  it('marks every tool as requiring approval under require_approval_all, and shows the tool configuration', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const id = await createServer({ url: server.url, transport: 'STREAMABLE_HTTP', approval_policy: 'require_approval_all' });
    await gw.http
      .patch(`/v1/mcp-configurations/${id}`)
      .set('X-API-Key', aitronosKey)
      .send({ tool_configuration: { allowed_tools: ['refund'] } });
    const res = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(auth);
    expect(res.body.data.map((t: any) => [t.name, t.approval_state, t.enabled])).toEqual([
      ['search', 'requires_approval', false],
      ['refund', 'requires_approval', true],
    ]);
  });

  it('answers a failed probe with 502 in the Zudu envelope whose error names the failure class, and stores it', async () => {
    const silent = await serve(startSilentServer());
    const id = await createServer({ url: silent.url, transport: 'STREAMABLE_HTTP' });
    const res = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(auth);
    expect(res.status).toBe(502);
    expect(res.body).toEqual({
      message: 'MCP server connection failed',
      status: 'error',
      error: expect.stringMatching(/^timeout: /),
      request_id: expect.any(String),
    });
    const stored = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', aitronosKey);
    expect(stored.body).toMatchObject({ connectionStatus: 'failed', errorMessage: expect.stringMatching(/^timeout: /) });
  });

  it('answers a blocked destination with 502 naming blocked, and an unknown id with 404', async () => {
    const id = await createServer({ url: 'http://169.254.169.254/mcp' });
    const res = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(auth);
    expect(res.status).toBe(502);
    expect(res.body.error).toMatch(/^blocked: .*169\.254\.169\.254.*cloud metadata/);
    expect((await gw.http.get('/api/mcp-servers/mcp_nope/tools').set(auth)).status).toBe(404);
  });
});

describe('validate-url connectivity', () => {
  it('succeeds against a reachable MCP server', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const res = await gw.http.post('/api/mcp-servers/validate-url').set(auth).send({ url: server.url });
    expect(res.body.data.checks.connectivity_test).toBe('success');
  });

  it('falls back to SSE when Streamable HTTP is not spoken', async () => {
    const server = await serve(startMcpServer({ transport: 'sse' }));
    const res = await gw.http.post('/api/mcp-servers/validate-url').set(auth).send({ url: server.url });
    expect(res.body.data.checks.connectivity_test).toBe('success');
  });

  it('fails, and says why, for a server that wants credentials', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http', requireHeader: { name: 'Authorization', value: 'Bearer x' } }));
    const res = await gw.http.post('/api/mcp-servers/validate-url').set(auth).send({ url: server.url });
    expect(res.body.data.checks.connectivity_test).toBe('failed');
    expect(res.body.data.recommendations).toContain('The server requires authentication: set secret_token or request_headers when you create it');
  });
});
