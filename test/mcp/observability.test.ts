import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { agentSet, gatewayUrl } from '../support/mcp-endpoint';

let gw: TestGateway;
let upstream: ModernServer;
const agents = agentSet();

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  upstream = await startModernServer({ legacy: 'reject' });
});
afterAll(async () => {
  await agents.closeAll();
  await upstream.close();
  await gw.close();
});

describe('what the MCP endpoint tells operators', () => {
  it('logs one line per call (server, tool, key, outcome, duration), never its arguments or results, and counts calls, latency and refusals by rule, labelled only by tools the upstream listed', async () => {
    const { key, id: keyId } = await gw.aitronosKey({ orgs: ['org-obs'] });
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({
        organization_id: 'org-obs',
        name: 'observed',
        server_url: upstream.url,
        transport_type: 'streamable_http',
        auth_type: 'bearer',
        credentials: { token: 'observed-bearer-token-1' },
        tool_configuration: { enabled: true, allowed_tools: ['echo', 'add'] },
      });
    const id = created.body.id as string;
    const client = await agents.connect('modern', `${gatewayUrl(gw)}/mcp/${id}`, {
      Authorization: `Bearer ${key}`,
    });
    // As agents do: list, then call. A listed tool's name labels its metrics.
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: { text: 'argument-text-abc' } });
    await client.callTool({ name: 'slow', arguments: { ms: 1 } }).catch(() => undefined);
    await client.callTool({ name: 'made-up-name-1', arguments: {} }).catch(() => undefined);

    const lines = gw.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'mcp call' && l.serverId === id);
    expect(lines).toEqual([
      expect.objectContaining({ serverId: id, tool: 'echo', keyId, outcome: 'ok', rule: null, durationMs: expect.any(Number) }),
      expect.objectContaining({ serverId: id, tool: 'slow', keyId, outcome: 'refused', rule: 'tool_not_allowed' }),
      expect.objectContaining({ serverId: id, tool: 'made-up-name-1', keyId, outcome: 'refused', rule: 'tool_not_allowed' }),
    ]);
    const everything = gw.logs.join('\n');
    expect(everything).not.toContain('argument-text-abc');
    expect(everything).not.toContain('observed-bearer-token-1');
    expect(everything).not.toContain(key);

    const metrics = (await gw.http.get('/metrics')).text;
    expect(metrics).toContain(`mcp_gateway_proxy_calls_total{server_id="${id}",tool="echo",outcome="ok"} 1`);
    // `slow` is a tool the upstream listed (refused by the allow-list); a made-up name labels nothing.
    expect(metrics).toContain(`mcp_gateway_proxy_calls_total{server_id="${id}",tool="slow",outcome="refused"} 1`);
    expect(metrics).toContain(`mcp_gateway_proxy_calls_total{server_id="${id}",tool="",outcome="refused"} 1`);
    expect(metrics).not.toContain('made-up-name-1');
    expect(metrics).toContain(`mcp_gateway_proxy_refusals_total{server_id="${id}",rule="tool_not_allowed"} 2`);
    expect(metrics).toMatch(new RegExp(`mcp_gateway_proxy_call_duration_seconds_count\\{server_id="${id}",tool="echo",outcome="ok"\\} 1`));
    // HTTP metrics label the endpoint's requests as the mcp interface.
    expect(metrics).toMatch(/mcp_gateway_http_requests_total\{dialect="mcp"/);
  });
});
