import { aitronosCreateBody } from '../support/builders';
import { startHttpServer, startMcpServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

const ORG = 'org_ssrf';
const running: Listening[] = [];
const gateways: TestGateway[] = [];

afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  await Promise.all(gateways.map((g) => g.close()));
});

async function serve(server: Promise<Listening>): Promise<Listening> {
  const started = await server;
  running.push(started);
  return started;
}

async function gatewayWith(options: Parameters<typeof startTestGateway>[0]) {
  const gw = await startTestGateway(options);
  gateways.push(gw);
  const { key } = await gw.aitronosKey({ orgs: [ORG] });
  const test = async (url: string, extra: Record<string, unknown> = {}) => {
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody(ORG, { server_url: url, ...extra }));
    return (await gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`).set('X-API-Key', key)).body;
  };
  return { gw, test };
}

describe('the SSRF guard on outbound connections', () => {
  it('refuses a loopback target by default, naming the rule and the address, and reaches it once allowlisted', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const closed = await gatewayWith({});
    const refused = await closed.test(server.url);
    expect(refused).toMatchObject({ success: false, failure_class: 'blocked' });
    expect(refused.message).toMatch(/127\.0\.0\.1.*loopback addresses are blocked/);
    expect(server.hits).toBe(0);

    const open = await gatewayWith({ allowedHosts: '127.0.0.1' });
    expect(await open.test(server.url)).toMatchObject({ success: true, status: 'connected' });
  });

  it('checks the address a host name resolves to, not the name', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const { test } = await gatewayWith({ dns: { 'innocent.test': ['127.0.0.1'] } });
    const result = await test(server.url.replace('127.0.0.1', 'innocent.test'));
    expect(result).toMatchObject({ failure_class: 'blocked', message: expect.stringMatching(/innocent\.test: loopback addresses are blocked/) });
    expect(server.hits).toBe(0);
  });

  it('tells the caller the rule, never the address an internal name resolved to, and logs the address for the operator', async () => {
    const { gw, test } = await gatewayWith({ dns: { 'crm.internal': ['10.0.0.7'], 'vm.internal': ['127.0.0.1'] } });
    const [crm, vm] = [await test('http://crm.internal/mcp'), await test('http://vm.internal:8080/mcp')];
    expect(crm).toMatchObject({
      failure_class: 'blocked',
      message: 'Refused to connect to crm.internal: private addresses are blocked; an operator can open it with MCP_GATEWAY_ALLOWED_HOSTS',
    });
    expect(vm).toMatchObject({
      failure_class: 'blocked',
      message: expect.stringMatching(/^Refused to connect to vm\.internal: loopback addresses are blocked/),
    });
    const stored = await gw.http
      .get('/v1/mcp-configurations')
      .query({ organization_id: ORG })
      .set('X-API-Key', (await gw.aitronosKey({ orgs: [ORG] })).key);
    const shown = JSON.stringify([crm, vm, stored.body]);
    expect(shown).not.toContain('10.0.0.7');
    expect(shown).not.toContain('127.0.0.1');
    expect(gw.logs.join('\n')).toMatch(/crm\.internal.*10\.0\.0\.7|10\.0\.0\.7.*crm\.internal/);
  });

  it('tells a refused connection to an allowed host in its own words, without the address the host resolved to', async () => {
    const gone = await startHttpServer(() => undefined);
    await gone.close();
    const { test } = await gatewayWith({ allowedHosts: 'closed.internal', dns: { 'closed.internal': ['127.0.0.1'] } });
    const result = await test(`http://closed.internal:${gone.port}/mcp`);
    expect(result).toMatchObject({ failure_class: 'transport', message: 'Could not reach the server: the connection was refused (ECONNREFUSED)' });
  });

  it('opens every private range with MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS', async () => {
    const server = await serve(startMcpServer({ transport: 'sse' }));
    const { test } = await gatewayWith({ allowPrivateNetworks: true });
    expect(await test(server.url, { transport_type: 'sse' })).toMatchObject({ success: true });
  });

  it('dials the address it checked, so a host name that flips to a private address after the check never reaches it', async () => {
    // 127.0.0.2 plays the public address here (allowlisted: no test may send traffic off this machine);
    // 127.0.0.1, on the same port, is the internal service the second DNS answer points at.
    const internal = await serve(startMcpServer({ transport: 'streamable_http' }));
    const legit = await serve(startMcpServer({ transport: 'streamable_http', host: '127.0.0.2', port: internal.port }));
    let lookups = 0;
    const { test } = await gatewayWith({
      allowedHosts: '127.0.0.2',
      dns: { 'rebind.test': () => (++lookups === 1 ? ['127.0.0.2'] : ['127.0.0.1']) },
    });
    const result = await test(`http://rebind.test:${internal.port}/mcp`);
    expect(internal.hits).toBe(0);
    expect(legit.hits).toBeGreaterThan(0);
    // Every connection is resolved and checked on its own: once DNS says 127.0.0.1, it is refused.
    expect(result).toMatchObject({ success: false, failure_class: 'blocked', message: expect.stringMatching(/rebind\.test: loopback addresses are blocked/) });
    expect(lookups).toBeGreaterThan(1);
  });

  it('refuses a redirect to a private or metadata address, and never connects to it', async () => {
    const metadataLike = await serve(startMcpServer({ transport: 'streamable_http', host: '127.0.0.3' }));
    const redirector = await serve(startHttpServer((_req, res) => res.writeHead(307, { Location: metadataLike.url }).end()));
    const { test } = await gatewayWith({ allowedHosts: '127.0.0.1' });
    const result = await test(redirector.url);
    expect(result).toMatchObject({ success: false, failure_class: 'blocked', message: expect.stringMatching(/redirected to http:\/\/127\.0\.0\.3/) });
    expect(metadataLike.hits).toBe(0);

    const toMetadata = await serve(startHttpServer((_req, res) => res.writeHead(302, { Location: 'http://169.254.169.254/latest/meta-data/' }).end()));
    expect(await test(toMetadata.url)).toMatchObject({ success: false, failure_class: 'blocked' });
  });

  it('guards the OAuth token endpoint too', async () => {
    const server = await serve(startMcpServer({ transport: 'streamable_http' }));
    const { test } = await gatewayWith({ allowedHosts: '127.0.0.1', dns: { 'metadata.test': ['169.254.169.254'] } });
    const result = await test(server.url, {
      auth_type: 'oauth',
      credentials: { client_id: 'c', client_secret: 's', token_url: 'http://metadata.test/token' },
    });
    expect(result).toMatchObject({ success: false, failure_class: 'blocked', message: expect.stringMatching(/cloud metadata/) });
  });
});
