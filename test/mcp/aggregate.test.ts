import { namespacedTool, serverPrefixes, splitNamespaced } from '../../core/proxy/tool-names';
import type { AgentEra } from '../support/mcp-clients';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { agentSet, gatewayUrl } from '../support/mcp-endpoint';

let gw: TestGateway;
let alpha: ModernServer;
let beta: ModernServer;
const agents = agentSet();

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  alpha = await startModernServer({ legacy: 'reject', name: 'alpha' });
  beta = await startModernServer({ legacy: 'stateless', name: 'beta' });
});
afterAll(async () => {
  await agents.closeAll();
  await alpha.close();
  await beta.close();
  await gw.close();
});

const base = () => gatewayUrl(gw);
const CLIENT_TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

describe.each(['legacy', 'modern'] as const)('the organization endpoint (%s-era agent)', (era: AgentEra) => {
  it('serves every active server as one, the same tool name of two servers kept apart, each call reaching its own server', async () => {
    const org = `org-agg-${era}`;
    const { key } = await gw.aitronosKey({ orgs: [org] });
    const create = (name: string, url: string, extra: Record<string, unknown> = {}) =>
      gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send({ organization_id: org, name, server_url: url, transport_type: 'streamable_http', auth_type: 'none', ...extra });
    expect((await create('Alpha Tools', alpha.url)).status).toBe(201);
    expect((await create('Beta Tools', beta.url, { tool_configuration: { enabled: true, allowed_tools: ['echo', 'add'] } })).status).toBe(201);
    const off = await create('Switched Off', beta.url);
    await gw.http.patch(`/v1/mcp-configurations/${off.body.id}`).set('X-API-Key', key).send({ is_active: false });

    const client = await agents.connect(era, `${base()}/mcp/orgs/${org}`, { Authorization: `Bearer ${key}` });
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual([
      'alpha-tools__add',
      'alpha-tools__confirm',
      'alpha-tools__echo',
      'alpha-tools__hang',
      'alpha-tools__slow',
      'beta-tools__add',
      'beta-tools__echo',
    ]);
    for (const name of names) expect(name).toMatch(CLIENT_TOOL_NAME);

    const alphaCalls = alpha.calls.echo ?? 0;
    const betaCalls = beta.calls.echo ?? 0;
    expect(await client.callTool({ name: 'alpha-tools__echo', arguments: { text: 'to alpha' } })).toMatchObject({ content: [{ text: 'to alpha' }] });
    expect(alpha.calls.echo).toBe(alphaCalls + 1);
    expect(beta.calls.echo ?? 0).toBe(betaCalls);
    expect(await client.callTool({ name: 'beta-tools__echo', arguments: { text: 'to beta' } })).toMatchObject({ content: [{ text: 'to beta' }] });
    expect(beta.calls.echo).toBe(betaCalls + 1);

    // Each server's own policy applies: beta's allow-list leaves out slow.
    const refused = await client.callTool({ name: 'beta-tools__slow', arguments: { ms: 1 } }).then(
      () => null,
      (e: { code?: number; data?: unknown }) => e,
    );
    expect(refused).toMatchObject({ code: -32030, data: { rule: 'tool_not_allowed', tool: 'slow' } });
    const unknown = await client.callTool({ name: 'gamma__echo', arguments: {} }).then(
      () => null,
      (e: { code?: number; data?: unknown }) => e,
    );
    expect(unknown).toMatchObject({ code: -32602, data: { rule: 'unknown_tool' } });
  });
});

describe('the organization endpoint with a server that cannot be listed', () => {
  it("serves the other servers' tools and logs the one it skipped", async () => {
    const org = 'org-agg-skip';
    const { key } = await gw.aitronosKey({ orgs: [org] });
    const good = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({ organization_id: org, name: 'Reachable', server_url: alpha.url, transport_type: 'streamable_http', auth_type: 'none' });
    // Port 9 of 127.0.0.2 is loopback but refused by the SSRF guard (only 127.0.0.1 is allowed here).
    const bad = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({ organization_id: org, name: 'Unreachable', server_url: 'http://127.0.0.2:9/mcp', transport_type: 'streamable_http', auth_type: 'none' });
    expect([good.status, bad.status]).toEqual([201, 201]);
    const client = await agents.connect('modern', gatewayUrl(gw, `/mcp/orgs/${org}`), { Authorization: `Bearer ${key}` });
    expect((await client.listTools()).tools.map((t) => t.name)).toEqual(expect.arrayContaining(['reachable__echo']));
    const skipped = gw.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'organization endpoint skipped a server' && l.serverId === bad.body.id);
    expect(skipped).toMatchObject({ organizationId: org, reason: expect.stringContaining('blocked') });
  });
});

describe('namespaced tool names', () => {
  it('keep every name within 64 characters of [A-Za-z0-9_-], unique, and resolvable back to its server and tool', () => {
    const servers = [
      { id: 'mcp_1', name: 'GitHub' },
      { id: 'mcp_2', name: 'github' },
      { id: 'mcp_3', name: 'A very long server name that goes on and on' },
      { id: 'mcp_4', name: '日本語のサーバー' },
    ];
    const prefixes = serverPrefixes(servers);
    expect(new Set(prefixes.values()).size).toBe(4);
    const tools = ['create_issue', 'files.read', 'x'.repeat(200), 'naïve tool', 'tool_deadbeef'];
    const seen = new Set<string>();
    for (const [id, prefix] of prefixes) {
      for (const tool of tools) {
        const name = namespacedTool(prefix, tool);
        expect(name).toMatch(CLIENT_TOOL_NAME);
        expect(seen.has(name)).toBe(false);
        seen.add(name);
        const parts = splitNamespaced(name)!;
        expect(parts.prefix).toBe(prefixes.get(id));
        // A name kept as is resolves directly; a rewritten one is marked for lookup in the upstream's list.
        if (!parts.hashed) expect(parts.tool).toBe(tool);
      }
    }
    expect(namespacedTool(prefixes.get('mcp_3')!, 'create_issue')).toBe('a-very-long-server-n__create_issue');
  });
});
