import { startMcpServer, type Listening } from '../support/mcp-servers';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let modernOnly: ModernServer;
let legacyOnly: Listening;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  modernOnly = await startModernServer({ legacy: 'reject' });
  legacyOnly = await startMcpServer({ transport: 'streamable_http' });
});
afterAll(async () => {
  await modernOnly.close();
  await legacyOnly.close();
  await gw.close();
});

describe('the era negotiated per upstream, the same for the connection test, the Zudu tool list and the MCP endpoint', () => {
  it.each([
    {
      label: 'a modern-only server (current SDK, legacy: reject)',
      url: () => modernOnly.url,
      version: '2026-07-28',
      tools: ['add', 'confirm', 'echo', 'hang', 'slow'],
    },
    { label: 'a 2025-era server (SDK 1.x)', url: () => legacyOnly.url, version: expect.stringMatching(/^2025-/), tools: ['refund', 'search'] },
  ])('connects to $label with server/discover first and initialize as the fallback', async ({ url, version, tools }) => {
    const { key } = await gw.aitronosKey({ orgs: ['org-eras'] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({
        organization_id: 'org-eras',
        name: `eras-${Math.random().toString(36).slice(2)}`,
        server_url: url(),
        transport_type: 'streamable_http',
        auth_type: 'none',
      });
    const tested = await gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key);
    expect(tested.body).toMatchObject({
      success: true,
      status: 'connected',
      failure_class: null,
      protocol_version: version,
      available_tools: expect.arrayContaining(tools),
    });
    const { headers } = await gw.zuduKey('org-eras');
    const zudu = await gw.http
      .post('/api/mcp-servers')
      .set(headers)
      .send({ config: { url: url(), name: `eras-zudu-${Math.random().toString(36).slice(2)}`, transport: 'STREAMABLE_HTTP' } });
    const live = await gw.http.get(`/api/mcp-servers/${zudu.body.data.id}/tools`).set(headers);
    expect(live.status).toBe(200);
    expect(live.body.data.map((t: { name: string }) => t.name).sort()).toEqual(tools);
  });
});
