/**
 * The per-key rate limit counts HTTP requests: a JSON-RPC batch (2025-03-26) would carry as many
 * tool calls as fit in 1 MB in one request. Batches are refused whole.
 */
import { startModernServer, type ModernServer } from '../../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../../support/test-gateway';

let gw: TestGateway;
let up: ModernServer;
beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', rateLimitPerMinute: 3 });
  up = await startModernServer({ legacy: 'stateless' });
});
afterAll(async () => {
  await up.close();
  await gw.close();
});
const base = () => `http://127.0.0.1:${(gw.server.address() as { port: number }).port}`;

it('does not let one request under the per-key rate limit carry more upstream calls than the limit allows', async () => {
  const org = 'org-batch';
  const { key } = await gw.aitronosKey({ orgs: [org], role: 'member' });
  const created = await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', key)
    .send({ organization_id: org, name: 'batch', server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
  expect(created.status).toBe(201);
  const batch = Array.from({ length: 50 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'add', arguments: { a: i, b: 1 } } }));
  const response = await fetch(`${base()}/mcp/${created.body.id}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${key}`,
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2025-03-26',
    },
    body: JSON.stringify(batch),
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: { code: 'MALFORMED_REQUEST', message: expect.stringContaining('batches are not accepted') } });
  // One request of three allowed per minute: at most three calls may reach the upstream.
  expect(up.calls.add ?? 0).toBeLessThanOrEqual(3);
});
