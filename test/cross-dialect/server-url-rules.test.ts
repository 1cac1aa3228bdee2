import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let key: string;
let zudu: Record<string, string>;
const ORG = 'org_urls';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key } = await gw.aitronosKey({ orgs: [ORG] }));
  ({ headers: zudu } = await gw.zuduKey(ORG));
});
afterAll(() => gw.close());

const total = async () => (await gw.http.get('/v1/mcp-configurations').query({ organization_id: ORG }).set('X-API-Key', key)).body.total as number;

describe('a server URL with control characters', () => {
  it.each([
    ['a NUL in the path', 'https://mcp.example.com/a\u0000b'],
    ['a NUL in the host', 'https://mcp.exa\u0000mple.com/mcp'],
    ['a tab in the host (the URL parser would drop it, so another host would be dialled)', 'https://127.0.0.1\t.example.com/mcp'],
    ['a line feed in the path', 'https://mcp.example.com/m\ncp'],
    ['an escape character', 'https://mcp.example.com/\u001b[2Jmcp'],
    ['DEL', 'https://mcp.example.com/\u007fmcp'],
  ])('is refused with %s: 422 naming server_url in Aitronos, 400 naming config.url in Zudu, nothing stored', async (_case, url) => {
    const before = await total();
    const aitronos = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody(ORG, { server_url: url }));
    expect(aitronos.status).toBe(422);
    expect(aitronos.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'server_url' } });
    expect(aitronos.body.error.system_message).toBe('server_url must not contain control characters');
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ url }) });
    expect(created.status).toBe(400);
    expect(created.body).toMatchObject({ message: 'Validation failed', error: 'config.url must not contain control characters' });
    expect(await total()).toBe(before);
  });

  it('is refused on update in both dialects, and the stored URL stays', async () => {
    const made = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody(ORG, { server_url: 'https://stays.example.com/mcp' }));
    const id = made.body.id as string;
    const aitronos = await gw.http.patch(`/v1/mcp-configurations/${id}`).set('X-API-Key', key).send({ server_url: 'https://stays.example.com/\u0000' });
    expect([aitronos.status, aitronos.body.error.details.field]).toEqual([422, 'server_url']);
    const flat = await gw.http.patch(`/api/mcp-servers/${id}`).set(zudu).send({ url: 'https://stays.exa\tmple.com/mcp' });
    expect([flat.status, flat.body.error]).toEqual([400, 'url must not contain control characters']);
    const wrapped = await gw.http
      .patch(`/api/mcp-servers/${id}`)
      .set(zudu)
      .send({ config: { url: 'https://stays.example.com/\u0000' } });
    expect([wrapped.status, wrapped.body.error]).toEqual([400, 'config.url must not contain control characters']);
    const got = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key);
    expect(got.body.serverUrl).toBe('https://stays.example.com/mcp');
  });

  it('is reported invalid by the Zudu URL check, which then dials nothing', async () => {
    const res = await gw.http.post('/api/mcp-servers/validate-url').set(zudu).send({ url: 'https://127.0.0.1\t.example.com/mcp' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ valid: false, checks: { format_valid: false, is_duplicate: false, connectivity_test: 'skipped' } });
  });
});

describe('a server URL is stored as the URL parser reads it', () => {
  it('stores and shows the normalized form (lower-case host, default port dropped, spaces encoded) in both dialects', async () => {
    const res = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody(ORG, { server_url: ' HTTPS://MCP.Example.COM:443/a b?q=1 ' }));
    expect(res.status).toBe(201);
    expect(res.body.serverUrl).toBe('https://mcp.example.com/a%20b?q=1');
    const zuduView = await gw.http.get(`/api/mcp-servers/${res.body.id}`).set(zudu);
    expect(zuduView.body.data.server_url).toBe('https://mcp.example.com/a%20b?q=1');
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ url: 'http://Other.Example.com:80' }) });
    expect(created.body.data.server_url).toBe('http://other.example.com/');
    const patched = await gw.http.patch(`/api/mcp-servers/${created.body.data.id}`).set(zudu).send({ url: 'https://Other.Example.com/x/../mcp' });
    expect(patched.body.data.server_url).toBe('https://other.example.com/mcp');
  });
});
