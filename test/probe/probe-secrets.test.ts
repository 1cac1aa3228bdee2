import { startHttpServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let echo: Listening;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  // An upstream that fails every request and echoes the request headers in its error body.
  echo = await startHttpServer((req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`bad request, you sent ${JSON.stringify(req.headers)}`));
});
afterAll(async () => {
  await echo.close();
  await gw.close();
});

describe('probe output', () => {
  it.each(['STREAMABLE_HTTP', 'SSE'])('never carries a stored credential, even when the upstream echoes it (%s)', async (transport) => {
    const token = `bearer-${transport}-c0ffee`;
    const header = `header-${transport}-beef`;
    const zudu = await gw.zuduKey('org_echo');
    const { key } = await gw.aitronosKey({ orgs: ['org_echo'] });
    const secret = await gw.http.post('/api/secrets').set(zudu.headers).send({ name: 'token', value: token });
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({ config: { name: `echo ${transport}`, url: echo.url, transport, request_headers: { 'X-Private': header }, secret_token: { secret_id: secret.body.data.secret_id } } });
    const id = created.body.data.id;

    const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', key);
    const tools = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(zudu.headers);
    const stored = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key);

    expect(tested.body.success).toBe(false);
    expect(tools.status).toBe(502);
    expect(stored.body.errorMessage).toEqual(expect.any(String));
    const everything = [tested.text, tools.text, stored.text, ...gw.logs].join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(header);
    if (transport === 'STREAMABLE_HTTP') expect(tested.body.message).toContain('[redacted]');
  });
});
