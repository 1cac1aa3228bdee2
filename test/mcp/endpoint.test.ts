import { connectAgent, type Agent, type AgentEra } from '../support/mcp-clients';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let upstream: ModernServer;
const agents: Agent[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  upstream = await startModernServer({ legacy: 'reject', requireHeader: { name: 'Authorization', value: 'Bearer upstream-token-1234' } });
});
afterAll(async () => {
  await Promise.all(agents.map((a) => a.close().catch(() => undefined)));
  await upstream.close();
  await gw.close();
});

const base = () => `http://127.0.0.1:${(gw.server.address() as { port: number }).port}`;

async function agent(era: AgentEra, path: string, headers: Record<string, string>) {
  const a = await connectAgent(era, `${base()}${path}`, headers);
  agents.push(a);
  return a;
}

describe.each(['legacy', 'modern'] as const)('the MCP endpoint with a %s-era agent', (era) => {
  it('lists and calls the tools of a modern-only upstream, sending the stored bearer token and never the gateway key', async () => {
    const { key } = await gw.aitronosKey({ orgs: ['org-e'] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({ organization_id: 'org-e', name: `modern-${era}`, server_url: upstream.url, transport_type: 'streamable_http', auth_type: 'bearer', credentials: { token: 'upstream-token-1234' } });
    expect(created.status).toBe(201);
    const client = await agent(era, `/mcp/${created.body.id}`, { Authorization: `Bearer ${key}` });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'echo', 'hang', 'slow']);
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(result).toMatchObject({ content: [{ type: 'text', text: '5' }], structuredContent: { sum: 5 } });
    const sent = upstream.headers.map((h) => JSON.stringify(h)).join('\n');
    expect(sent).toContain('upstream-token-1234');
    expect(sent).not.toContain(key);
  });
});
