import type { AgentEra } from '../support/mcp-clients';
import { startHttpServer, type Listening } from '../support/mcp-servers';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { agentSet, createViaAitronos, gatewayUrl } from '../support/mcp-endpoint';

let gw: TestGateway;
let upstream: ModernServer;
let tokenEndpoint: Listening;
const agents = agentSet();

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  upstream = await startModernServer({ legacy: 'reject' });
  tokenEndpoint = await startHttpServer((_req, res) =>
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: 'fetched-access-token-77', token_type: 'Bearer' })),
  );
});
afterAll(async () => {
  await agents.closeAll();
  await upstream.close();
  await tokenEndpoint.close();
  await gw.close();
});

const base = () => gatewayUrl(gw);

async function agent(era: AgentEra, path: string, headers: Record<string, string>) {
  const a = await agents.connect(era, `${base()}${path}`, headers);
  return a;
}

const createAitronos = (key: string, org: string, body: Record<string, unknown>) => createViaAitronos(gw, key, org, upstream.url, body);

/** Every header the upstream received since `from`, one JSON text. */
const receivedSince = (from: number) =>
  upstream.headers
    .slice(from)
    .map((h) => JSON.stringify(h))
    .join('\n');

describe.each(['legacy', 'modern'] as const)('the MCP endpoint with a %s-era agent', (era) => {
  const injections = [
    {
      auth: 'bearer',
      body: { auth_type: 'bearer', credentials: { token: 'stored-bearer-1234' } },
      header: 'authorization',
      value: 'Bearer stored-bearer-1234',
    },
    {
      auth: 'api key',
      body: { auth_type: 'api_key', credentials: { api_key: 'stored-api-key-5678', header_name: 'X-Upstream-Key' } },
      header: 'x-upstream-key',
      value: 'stored-api-key-5678',
    },
    {
      auth: 'OAuth access token',
      body: { auth_type: 'oauth', credentials: { access_token: 'stored-access-token-90' } },
      header: 'authorization',
      value: 'Bearer stored-access-token-90',
    },
  ];

  it.each(injections)(
    "injects the stored $auth into every upstream request, and never the gateway key or the agent's cookie",
    async ({ body, header, value }) => {
      const { key } = await gw.aitronosKey({ orgs: ['org-inject'] });
      const id = await createAitronos(key, 'org-inject', body);
      const from = upstream.headers.length;
      const client = await agent(era, `/mcp/${id}`, { Authorization: `Bearer ${key}`, Cookie: 'session=agent-cookie-123' });
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(['add', 'confirm', 'echo', 'hang', 'slow']);
      expect(await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })).toMatchObject({
        content: [{ type: 'text', text: '5' }],
        structuredContent: { sum: 5 },
      });
      const received = upstream.headers.slice(from);
      expect(received.length).toBeGreaterThan(0);
      for (const headers of received) expect(headers[header]).toBe(value);
      const all = receivedSince(from);
      expect(all).not.toContain(key);
      expect(all).not.toContain('agent-cookie-123');
    },
  );

  it('fetches an OAuth client-credentials token from the stored token URL and sends it', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-oauth'] });
    const id = await createAitronos(key, 'org-oauth', {
      auth_type: 'oauth',
      credentials: { client_id: 'gateway-client', client_secret: 'client-secret-xyz', token_url: tokenEndpoint.url.replace('/mcp', '/token') },
    });
    const from = upstream.headers.length;
    const client = await agent(era, `/mcp/${id}`, { Authorization: `Bearer ${key}` });
    expect(await client.callTool({ name: 'echo', arguments: { text: 'hello' } })).toMatchObject({ content: [{ type: 'text', text: 'hello' }] });
    expect(upstream.headers.slice(from).every((h) => h.authorization === 'Bearer fetched-access-token-77')).toBe(true);
  });

  it("sends a Zudu server's secret token and request headers, with a Zudu key pair as the agent's credential", async () => {
    const { headers: zudu } = await gw.zuduKey('org-zudu-agent');
    const secret = await gw.http.post('/api/secrets').set(zudu).send({ name: 'upstream token', value: 'zudu-secret-token-42' });
    expect(secret.status).toBe(200);
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({
        config: {
          url: upstream.url,
          name: `zudu-${era}-${Math.random().toString(36).slice(2)}`,
          transport: 'STREAMABLE_HTTP',
          secret_token: { secret_id: secret.body.data.secret_id },
          request_headers: { 'X-Team': 'team-header-value' },
        },
      });
    expect(created.status).toBe(200);
    const from = upstream.headers.length;
    const client = await agent(era, `/mcp/${created.body.data.id}`, zudu);
    expect((await client.listTools()).tools.length).toBe(5);
    for (const h of upstream.headers.slice(from)) expect(h).toMatchObject({ authorization: 'Bearer zudu-secret-token-42', 'x-team': 'team-header-value' });
    expect(receivedSince(from)).not.toContain(zudu['X-API-SECRET']);
    expect(receivedSince(from)).not.toContain(zudu['X-API-KEY']);
  });
});

describe("the README's first request", () => {
  it("lists a server's tools with one curl-shaped request: a 2025-era tools/list without initialize, answered as one server-sent event", async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-readme'] });
    const id = await createAitronos(key, 'org-readme', {});
    const response = await fetch(`${base()}/mcp/${id}`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${key}`,
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2025-06-18',
      },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^event: message\ndata: /);
    const message = JSON.parse(/^data: (.*)$/m.exec(text)![1]!);
    expect(message).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: { tools: expect.arrayContaining([expect.objectContaining({ name: 'echo', _meta: { 'dev.mcp-gateway/approval': 'auto_approved' } })]) },
    });
  });
});

describe('the MCP endpoint outside JSON-RPC', () => {
  const initialize = {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
  };
  const post = (path: string) => gw.http.post(path).set('Accept', 'application/json, text/event-stream').set('Content-Type', 'application/json');

  it('answers a missing key with 401, WWW-Authenticate and a JSON body, and a wrong key the same way', async () => {
    const missing = await post('/mcp/mcp_anything').send(initialize);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="mcp-gateway"');
    expect(missing.body).toMatchObject({ error: { code: 'AUTHENTICATION_REQUIRED' } });
    const wrong = await post('/mcp/mcp_anything').set('Authorization', 'Bearer ak_not-a-real-key').send(initialize);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="mcp-gateway", error="invalid_token"');
    expect(wrong.body).toMatchObject({ error: { code: 'INVALID_API_KEY' } });
    const pairAsBearer = await post('/mcp/mcp_anything').set('Authorization', 'Bearer sk_looks-like-a-zudu-key').send(initialize);
    expect(pairAsBearer.status).toBe(401);
  });

  it("answers another organization's server exactly like one that does not exist, and another organization like none", async () => {
    const { key: owner } = await gw.aitronosKey({ orgs: ['org-a'] });
    const { key: stranger } = await gw.aitronosKey({ orgs: ['org-b'] });
    const id = await createAitronos(owner, 'org-a', {});
    const foreign = await post(`/mcp/${id}`).set('Authorization', `Bearer ${stranger}`).send(initialize);
    const missing = await post('/mcp/mcp_0000000000000000000000000000').set('Authorization', `Bearer ${stranger}`).send(initialize);
    expect(foreign.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(foreign.body.error.code).toBe(missing.body.error.code);
    expect(foreign.body.error.message.replace(id, 'ID')).toBe(missing.body.error.message.replace('mcp_0000000000000000000000000000', 'ID'));
    const org = await post('/mcp/orgs/org-a').set('Authorization', `Bearer ${stranger}`).send(initialize);
    expect(org.status).toBe(404);
    expect(org.body).toMatchObject({ error: { code: 'NOT_FOUND', message: 'No such organization for this key' } });
  });

  it('refuses an inactive server with 409 saying how to activate it, before reaching the upstream', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-inactive'] });
    const id = await createAitronos(key, 'org-inactive', {});
    expect((await gw.http.patch(`/v1/mcp-configurations/${id}`).set('X-API-Key', key).send({ is_active: false })).status).toBe(200);
    const hits = upstream.hits;
    const refused = await post(`/mcp/${id}`).set('Authorization', `Bearer ${key}`).send(initialize);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'SERVER_INACTIVE', message: expect.stringContaining('is_active') } });
    expect(upstream.hits).toBe(hits);
  });

  it('refuses a message over 1 MB with 413 naming the limit, before any upstream request', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-big'] });
    const id = await createAitronos(key, 'org-big', {});
    const hits = upstream.hits;
    const big = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x'.repeat(1024 * 1024 + 10) } } };
    const refused = await post(`/mcp/${id}`).set('Authorization', `Bearer ${key}`).send(big);
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('1 MB') } });
    expect(upstream.hits).toBe(hits);
  });
});

describe('the MCP endpoint under the per-key rate limit', () => {
  it('answers the call past the limit with 429, Retry-After and a JSON body naming the limit', async () => {
    const limited = await startTestGateway({ allowedHosts: '127.0.0.1', rateLimitPerMinute: 3 });
    try {
      const { key } = await limited.aitronosKey({ orgs: ['org-rl'] });
      const created = await limited.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send({ organization_id: 'org-rl', name: 'rl', server_url: upstream.url, transport_type: 'streamable_http', auth_type: 'none' });
      const statuses: number[] = [];
      let last: import('supertest').Response | null = null;
      for (let i = 0; i < 4; i += 1) {
        last = await limited.http
          .post(`/mcp/${created.body.id}`)
          .set('Authorization', `Bearer ${key}`)
          .set('Accept', 'application/json, text/event-stream')
          .send({
            jsonrpc: '2.0',
            id: i,
            method: 'initialize',
            params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
          });
        statuses.push(last.status);
      }
      // The MCP endpoint counts its own requests per key, as each dialect does.
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(last!.headers['retry-after']).toBeDefined();
      expect(last!.body).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.stringContaining('3 requests per minute') } });
    } finally {
      await limited.close();
    }
  });
});
