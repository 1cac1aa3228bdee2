import { startMcpServer, type Listening, type TestTool } from '../../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../../support/test-gateway';
import { agentSet, gatewayUrl } from '../../support/mcp-endpoint';

let gw: TestGateway;
let flood: Listening;
const agents = agentSet();
const TOOLS = 12_000;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  const tools: TestTool[] = Array.from({ length: TOOLS }, (_, i) => ({ name: `t${i}`, description: 'x'.repeat(200), inputSchema: { type: 'object' } }));
  flood = await startMcpServer({ transport: 'streamable_http', tools, pageSize: 2000 });
});
afterAll(async () => {
  await agents.closeAll();
  await flood.close();
  await gw.close();
});

const base = () => gatewayUrl(gw);
const MAX_TOOLS = 5000;

it('bounds the tools an upstream can make the gateway hold, return and store (as the connection test does)', async () => {
  const org = 'org-flood';
  const { key } = await gw.aitronosKey({ orgs: [org], role: 'member' });
  const created = await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', key)
    .send({ organization_id: org, name: 'flood', server_url: flood.url, transport_type: 'streamable_http', auth_type: 'none' });
  expect(created.status).toBe(201);
  const agent = await agents.connect('legacy', `${base()}/mcp/orgs/${org}`, { Authorization: `Bearer ${key}` });
  const { tools } = await agent.listTools();
  const stored = await gw.services.store.servers.findById(created.body.id);
  const storedTools = stored?.connection.tools?.length ?? 0;
  // What one agent request made the gateway return in one answer, and write into the record.
  expect({ returned: tools.length <= MAX_TOOLS, stored: storedTools <= MAX_TOOLS }).toEqual({ returned: true, stored: true });
}, 60_000);

it('bounds one page of the server endpoint too: a page of 12,000 tools answers at most 5,000', async () => {
  const tools: TestTool[] = Array.from({ length: TOOLS }, (_, i) => ({ name: `p${i}`, inputSchema: { type: 'object' } }));
  const onePage = await startMcpServer({ transport: 'streamable_http', tools, pageSize: TOOLS });
  try {
    const org = 'org-flood-page';
    const { key } = await gw.aitronosKey({ orgs: [org], role: 'member' });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({ organization_id: org, name: 'one page', server_url: onePage.url, transport_type: 'streamable_http', auth_type: 'none' });
    const agent = await agents.connect('legacy', `${base()}/mcp/${created.body.id}`, { Authorization: `Bearer ${key}` });
    const page = await agent.listTools();
    expect(page.tools.length).toBe(MAX_TOOLS);
  } finally {
    await onePage.close();
  }
}, 60_000);
