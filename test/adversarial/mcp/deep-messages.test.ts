/**
 * An agent's message nested thousands of levels deep made the SDK's validation (which recurses)
 * fail with a 500. The endpoint refuses such JSON by name before anything walks it.
 */
import { startModernServer, type ModernServer } from '../../support/modern-mcp-server';
import { createViaAitronos } from '../../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../../support/test-gateway';

let gw: TestGateway;
let up: ModernServer;
beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  up = await startModernServer({ legacy: 'stateless' });
});
afterAll(async () => {
  await up.close();
  await gw.close();
});

const nested = (depth: number) => {
  let json = '"x"';
  for (let i = 0; i < depth; i += 1) json = `{"a":${json}}`;
  return json;
};

it('refuses a message nested deeper than 128 levels with a 400 naming the bound, and serves one within it', async () => {
  const { key } = await gw.aitronosKey({ orgs: ['org-deep'] });
  const id = await createViaAitronos(gw, key, 'org-deep', up.url);
  const call = (depth: number) =>
    gw.http
      .post(`/mcp/${id}`)
      .set('Authorization', `Bearer ${key}`)
      .set('Accept', 'application/json, text/event-stream')
      .set('Content-Type', 'application/json')
      .set('MCP-Protocol-Version', '2025-06-18')
      .send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi","extra":${nested(depth)}}}}`);
  const deep = await call(60_000);
  expect(deep.status).toBe(400);
  expect(deep.body).toMatchObject({ error: { code: 'MALFORMED_REQUEST', message: 'The message nests JSON deeper than 128 levels' } });
  const calls = up.calls.echo ?? 0;
  const fine = await call(100);
  expect(fine.status).toBe(200);
  expect(up.calls.echo).toBe(calls + 1);
});
