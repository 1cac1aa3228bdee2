import { aitronosCreateBody } from '../support/builders';
import { startSilentServer } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
beforeAll(async () => (gw = await startTestGateway({ allowedHosts: '127.0.0.1', processMetrics: true })));
afterAll(() => gw.close());

describe('health', () => {
  it('answers /healthz and /readyz without any key', async () => {
    expect((await gw.http.get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await gw.http.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready' });
  });

  it('answers /readyz with 503 when the database is gone, while /healthz still says the process lives', async () => {
    const other = await startTestGateway();
    await other.services.db.close();
    try {
      const res = await other.http.get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ status: 'not ready', reason: 'database unreachable' });
      expect((await other.http.get('/healthz')).status).toBe(200);
    } finally {
      other.server.closeAllConnections();
      other.server.close();
      await other.database.drop();
    }
  });
});

describe('GET /metrics', () => {
  it('counts and times requests by dialect, route template and status, in Prometheus format', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org_metrics'] });
    const created = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody('org_metrics'));
    await gw.http.get(`/v1/mcp-configurations/${created.body.id}`).set('X-API-Key', key);
    await gw.http.get('/v1/mcp-configurations/mcp_missing').set('X-API-Key', key);
    const zudu = await gw.zuduKey('org_metrics');
    await gw.http.get('/api/mcp-servers').set(zudu.headers);
    const res = await gw.http.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain('mcp_gateway_http_requests_total{dialect="aitronos",route="/v1/mcp-configurations/:config_id",status="200"} 1');
    expect(res.text).toContain('mcp_gateway_http_requests_total{dialect="aitronos",route="/v1/mcp-configurations/:config_id",status="404"} 1');
    expect(res.text).toContain('mcp_gateway_http_requests_total{dialect="zudu",route="/api/mcp-servers",status="200"} 1');
    expect(res.text).toMatch(/mcp_gateway_http_request_duration_seconds_bucket\{le="0.1",dialect="aitronos",route="\/v1\/mcp-configurations",status="201"\} 1/);
    expect(res.text).not.toContain(created.body.id);
  });

  it('counts probe outcomes by failure class, and reports the database pool and the process', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org_metrics'] });
    const gone = await startSilentServer();
    await gone.close();
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody('org_metrics', { server_url: gone.url }));
    await gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key);
    const text = (await gw.http.get('/metrics')).text;
    expect(text).toContain('mcp_gateway_probe_results_total{failure_class="transport"} 1');
    expect(text).toMatch(/mcp_gateway_db_pool_used \d+/);
    expect(text).toMatch(/mcp_gateway_db_pool_free \d+/);
    expect(text).toMatch(/mcp_gateway_db_pool_pending \d+/);
    expect(text).toMatch(/process_cpu_user_seconds_total \d/);
    expect(text).toMatch(/nodejs_heap_size_used_bytes \d/);
  });
});

describe('GET /metrics with MCP_GATEWAY_METRICS_TOKEN', () => {
  const TOKEN = 'metrics-token-0123456789abcdef';
  let guarded: TestGateway;
  beforeAll(async () => (guarded = await startTestGateway({ metricsToken: TOKEN })));
  afterAll(() => guarded.close());

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
    ['a longer token', `Bearer ${TOKEN}x`],
    ['a shorter token', 'Bearer metrics'],
    ['the token under another scheme', `Basic ${TOKEN}`],
    ['the token without a scheme', TOKEN],
  ])('answers %s with 401 in plain JSON, and no metrics', async (_label, authorization) => {
    const req = guarded.http.get('/metrics');
    if (authorization) req.set('Authorization', authorization);
    const res = await req;
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(res.body).toEqual({ error: { code: 'AUTHENTICATION_REQUIRED', message: 'GET /metrics needs Authorization: Bearer <MCP_GATEWAY_METRICS_TOKEN>' } });
    expect(res.text).not.toContain('mcp_gateway_');
  });

  it('answers the right bearer token with the metrics', async () => {
    const res = await guarded.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('mcp_gateway_http_requests_total{dialect="ops",route="/metrics",status="401"}');
    expect((await guarded.http.get('/metrics').set('Authorization', `bearer ${TOKEN}`)).status).toBe(200);
  });

  it('leaves /healthz and /readyz open, and never logs the token', async () => {
    expect((await guarded.http.get('/healthz')).status).toBe(200);
    expect((await guarded.http.get('/readyz')).status).toBe(200);
    await guarded.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
    await guarded.http.get('/metrics').set('Authorization', `Bearer ${TOKEN}-wrong`);
    expect(guarded.logs.join('\n')).not.toContain('metrics-token');
  });

  it('is refused at start when too short or not visible ASCII, naming the variable and not the value', () => {
    const { loadConfig } = require('../../server/config') as typeof import('../../server/config');
    for (const bad of ['short-token', 'a token with spaces in it', `tøken-${'x'.repeat(20)}`]) {
      expect(() => loadConfig({ MCP_GATEWAY_METRICS_TOKEN: bad })).toThrow(/^MCP_GATEWAY_METRICS_TOKEN is invalid: must be 16 to 512 visible ASCII characters/);
      expect(() => loadConfig({ MCP_GATEWAY_METRICS_TOKEN: bad })).not.toThrow(new RegExp(bad));
    }
    expect(loadConfig({ MCP_GATEWAY_METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({}).metricsToken).toBeNull();
  });
});
