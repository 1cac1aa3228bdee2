import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
const B_NAME = 'Org B private server';
const B_URL = 'https://org-b-private.example.com/mcp';
const B_DESCRIPTION = 'only org B may read this';
let bServer: string;
let bAitronos: string;
const bSecret = 'secret_org_b';
let aAitronos: string;
let aZudu: Record<string, string>;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  ({ key: bAitronos } = await gw.aitronosKey({ orgs: ['org_b'] }));
  const bZudu = (await gw.zuduKey('org_b')).headers;
  await gw.http.post('/api/secrets').set(bZudu).send({ secret_id: bSecret, name: 'B secret', value: 'b-secret-value' });
  const created = await gw.http
    .post('/api/mcp-servers')
    .set(bZudu)
    .send({ config: zuduConfig({ name: B_NAME, url: B_URL, description: B_DESCRIPTION, secret_token: { secret_id: bSecret } }) });
  bServer = created.body.data.id;
  await gw.http.post(`/api/mcp-servers/${bServer}/tool-approvals`).set(bZudu).send({ tool_name: 'b_tool' });
  ({ key: aAitronos } = await gw.aitronosKey({ orgs: ['org_a'] }));
  ({ headers: aZudu } = await gw.zuduKey('org_a'));
});
afterAll(() => gw.close());

type Call = [label: string, run: () => Promise<{ status: number; text: string }>, expected: number[]];

/** Every route of both dialects, aimed at organization B's resources with organization A's keys. */
function matrix(): Call[] {
  // Paths are functions: the rows are listed before beforeAll has made B's resources.
  const v1 = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: () => string, body?: object) => () => {
    const req = gw.http[method](path()).set('X-API-Key', aAitronos);
    return body ? req.send(body) : req;
  };
  const api = (method: 'get' | 'post' | 'patch' | 'delete', path: () => string, body?: object) => () => {
    const req = gw.http[method](path()).set(aZudu);
    return body ? req.send(body) : req;
  };
  return [
    ['Aitronos list of B', v1('get', () => '/v1/mcp-configurations?organization_id=org_b'), [403]],
    ['Aitronos create in B', v1('post', () => '/v1/mcp-configurations', aitronosCreateBody('org_b')), [403]],
    ['Aitronos get', v1('get', () => `/v1/mcp-configurations/${bServer}`), [404]],
    ['Aitronos put', v1('put', () => `/v1/mcp-configurations/${bServer}`, { name: 'stolen' }), [404]],
    ['Aitronos patch', v1('patch', () => `/v1/mcp-configurations/${bServer}`, { is_active: false }), [404]],
    ['Aitronos test', v1('post', () => `/v1/mcp-configurations/${bServer}/test`), [404]],
    ['Aitronos delete', v1('delete', () => `/v1/mcp-configurations/${bServer}`), [404]],
    ['Zudu get', api('get', () => `/api/mcp-servers/${bServer}`), [404]],
    ['Zudu patch', api('patch', () => `/api/mcp-servers/${bServer}`, { name: 'stolen' }), [404]],
    ['Zudu approval policy', api('patch', () => `/api/mcp-servers/${bServer}/approval-policy`, { approval_policy: 'auto_approve_all' }), [404]],
    ['Zudu add tool approval', api('post', () => `/api/mcp-servers/${bServer}/tool-approvals`, { tool_name: 'x' }), [404]],
    ['Zudu remove tool approval', api('delete', () => `/api/mcp-servers/${bServer}/tool-approvals/b_tool`), [404]],
    ['Zudu live tools', api('get', () => `/api/mcp-servers/${bServer}/tools`), [404]],
    ['Zudu delete', api('delete', () => `/api/mcp-servers/${bServer}`), [404]],
    ['Zudu get secret', api('get', () => `/api/secrets/${bSecret}`), [404]],
    ['Zudu update secret', api('patch', () => `/api/secrets/${bSecret}`, { value: 'overwritten' }), [404]],
    ['Zudu delete secret', api('delete', () => `/api/secrets/${bSecret}`), [404]],
    ['Zudu list', api('get', () => '/api/mcp-servers?search=private'), [200]],
    ['Zudu secrets list', api('get', () => '/api/secrets'), [200]],
    ['Zudu validate-url of B’s URL', api('post', () => '/api/mcp-servers/validate-url', { url: B_URL }), [200]],
    ['Aitronos list of A', v1('get', () => '/v1/mcp-configurations?organization_id=org_a'), [200]],
  ];
}

describe('tenant isolation', () => {
  it.each(matrix())('%s: organization A gets no access and not a byte of B’s data', async (label, run, expected) => {
    expect(bServer).toMatch(/^mcp_/);
    const res = await run();
    expect(expected).toContain(res.status);
    // validate-url echoes the URL A itself sent; everything else of B must not appear anywhere.
    const text = label.startsWith('Zudu validate-url') ? res.text.split(B_URL).join('').split('org-b-private.example.com').join('') : res.text;
    for (const secretOfB of [B_NAME, B_URL, B_DESCRIPTION, 'b-secret-value', 'b_tool', 'org-b-private']) expect(text).not.toContain(secretOfB);
    if (res.status === 200 && res.text.includes('is_duplicate')) expect(JSON.parse(res.text).data.checks.is_duplicate).toBe(false);
  });

  it('leaves B’s server and secret exactly as they were', async () => {
    const b = (await gw.http.get(`/v1/mcp-configurations/${bServer}`).set('X-API-Key', bAitronos)).body;
    expect(b).toMatchObject({ name: B_NAME, serverUrl: B_URL, isActive: true });
  });

  it('does not let a member key change or delete an admin’s configuration, on any route', async () => {
    const admin = (await gw.aitronosKey({ orgs: ['org_roles'], role: 'admin' })).key;
    const member = (await gw.aitronosKey({ orgs: ['org_roles'], role: 'member' })).key;
    const created = (await gw.http.post('/v1/mcp-configurations').set('X-API-Key', admin).send(aitronosCreateBody('org_roles'))).body;
    for (const res of [
      await gw.http.put(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', member).send({ name: 'x' }),
      await gw.http.patch(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', member).send({ credentials: {} }),
      await gw.http.delete(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', member),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    }
    expect((await gw.http.get(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', admin)).body).toEqual(created);
  });

  it('refuses a revoked key at once, in both dialects', async () => {
    const aitronos = await gw.aitronosKey({ orgs: ['org_a'] });
    const zudu = await gw.zuduKey('org_a');
    await gw.services.apiKeys.revoke(aitronos.id);
    await gw.services.apiKeys.revoke(zudu.id);
    expect((await gw.http.get('/v1/mcp-configurations?organization_id=org_a').set('X-API-Key', aitronos.key)).status).toBe(401);
    expect((await gw.http.get('/api/mcp-servers').set(zudu.headers)).status).toBe(401);
  });
});
