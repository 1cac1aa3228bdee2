import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let zuduUser: string;
let zudu: Record<string, string>;
let key: string;
const ORG = 'org_shared';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ headers: zudu, userId: zuduUser } = await gw.zuduKey(ORG));
  ({ key } = await gw.aitronosKey({ orgs: [ORG] }));
});
afterAll(() => gw.close());

const aitronosGet = async (id: string) => (await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key)).body;
const zuduGet = async (id: string) => (await gw.http.get(`/api/mcp-servers/${id}`).set(zudu)).body.data;

describe('one core behind both dialects', () => {
  it('keeps a description and a per-tool approval made in Zudu when Aitronos renames the server (the named example)', async () => {
    const created = (
      await gw.http
        .post('/api/mcp-servers')
        .set(zudu)
        .send({ config: zuduConfig({ description: 'Customer support tools', approval_policy: 'require_approval_per_tool' }) })
    ).body.data;
    await gw.http.post(`/api/mcp-servers/${created.id}/tool-approvals`).set(zudu).send({ tool_name: 'refund', tool_description: 'Refund an order' });
    const before = await zuduGet(created.id);

    const renamed = await gw.http.patch(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key).send({ name: 'Renamed in Aitronos' });
    expect(renamed.status).toBe(200);

    const after = await zuduGet(created.id);
    expect(after).toEqual({ ...before, server_name: 'Renamed in Aitronos', updated_at: expect.any(Number) });
    expect(after.description).toBe('Customer support tools');
    expect(after.tool_approval_hashes).toEqual([
      { tool_name: 'refund', tool_hash: expect.stringMatching(/^[0-9a-f]{64}$/), approval_policy: 'requires_approval' },
    ]);
  });

  it('shows a server created in Aitronos to Zudu under the same id, with the same shared fields', async () => {
    const a = (
      await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send(aitronosCreateBody(ORG, { auth_type: 'bearer_token', credentials: { token: 't' } }))
    ).body;
    const z = await zuduGet(a.id);
    expect(z).toMatchObject({
      id: a.id,
      organization_id: ORG,
      server_url: a.serverUrl,
      server_name: a.name,
      transport: 'STREAMABLE_HTTP',
      created_at: Date.parse(a.createdAt),
      updated_at: Date.parse(a.updatedAt),
      secret_token_id: expect.stringMatching(/^secret_/),
    });
    const listed = (await gw.http.get('/api/mcp-servers').query({ search: a.name }).set(zudu)).body.data.servers;
    expect(listed.map((s: any) => s.id)).toEqual([a.id]);
  });

  it('shows a server created in Zudu to Aitronos, and keeps its tool configuration and active flag through Zudu updates', async () => {
    const z = (
      await gw.http
        .post('/api/mcp-servers')
        .set(zudu)
        .send({ config: zuduConfig({ secret_token: { secret_id: 'secret_ref' } }) })
    ).body.data;
    const a = await aitronosGet(z.id);
    expect(a).toMatchObject({
      id: z.id,
      name: z.server_name,
      serverUrl: z.server_url,
      transportType: 'sse',
      authType: 'bearer_token',
      organizationId: ORG,
      userId: zuduUser,
    });
    await gw.http
      .patch(`/v1/mcp-configurations/${z.id}`)
      .set('X-API-Key', key)
      .send({ is_active: false, tool_configuration: { enabled: false, allowed_tools: ['x'] } });
    await gw.http.patch(`/api/mcp-servers/${z.id}`).set(zudu).send({ description: 'changed in Zudu', name: 'Zudu rename' });
    expect(await aitronosGet(z.id)).toMatchObject({ name: 'Zudu rename', isActive: false, toolConfiguration: { enabled: false, allowedTools: ['x'] } });
  });

  it('keeps Aitronos api_key credentials when Zudu, which cannot see them, clears its bearer token', async () => {
    const a = (
      await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send(aitronosCreateBody(ORG, { auth_type: 'api_key', credentials: { api_key: 'k' } }))
    ).body;
    expect((await zuduGet(a.id)).secret_token_id).toBeNull();
    await gw.http.patch(`/api/mcp-servers/${a.id}`).set(zudu).send({ secret_token: null });
    expect((await aitronosGet(a.id)).authType).toBe('api_key');
  });

  it('deletes through either dialect for both', async () => {
    const viaZudu = (await gw.http.post('/api/mcp-servers').set(zudu).send({ config: zuduConfig() })).body.data;
    const viaAitronos = (await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody(ORG))).body;
    expect((await gw.http.delete(`/v1/mcp-configurations/${viaZudu.id}`).set('X-API-Key', key)).status).toBe(204);
    expect((await gw.http.delete(`/api/mcp-servers/${viaAitronos.id}`).set(zudu)).status).toBe(200);
    expect((await gw.http.get(`/api/mcp-servers/${viaZudu.id}`).set(zudu)).status).toBe(404);
    expect((await gw.http.get(`/v1/mcp-configurations/${viaAitronos.id}`).set('X-API-Key', key)).status).toBe(404);
  });

  it('shares one name space: a name taken in one dialect is a 409 in the other', async () => {
    const z = (await gw.http.post('/api/mcp-servers').set(zudu).send({ config: zuduConfig() })).body.data;
    const res = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody(ORG, { name: z.server_name }));
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('DUPLICATE_NAME');
  });

  it('lets a Zudu secret value rotate the token of a server whose token Aitronos set', async () => {
    const a = (
      await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send(aitronosCreateBody(ORG, { auth_type: 'bearer_token', credentials: { token: 'first' } }))
    ).body;
    const secretId = (await zuduGet(a.id)).secret_token_id;
    const secret = await gw.http.get(`/api/secrets/${secretId}`).set(zudu);
    expect(secret.body.data.used_by).toEqual([{ id: a.id, server_name: a.name }]);
    const rotated = await gw.http.patch(`/api/secrets/${secretId}`).set(zudu).send({ value: 'second' });
    expect(rotated.status).toBe(200);
  });
});
