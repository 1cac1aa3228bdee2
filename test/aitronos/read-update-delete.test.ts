import { aitronosCreateBody } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let key: string;
const ORG = 'org_rud';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key } = await gw.aitronosKey({ orgs: [ORG, 'org_second'] }));
});
afterAll(() => gw.close());

async function create(overrides: Record<string, unknown> = {}, org = ORG) {
  const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody(org, overrides));
  expect(res.status).toBe(201);
  return res.body as Record<string, any>;
}

describe('GET /v1/mcp-configurations/{id}', () => {
  it('returns the configuration as it was created', async () => {
    const created = await create();
    const res = await gw.http.get(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created);
  });

  it("answers 404 NOT_FOUND with the docs' message for an unknown id", async () => {
    const res = await gw.http.get('/v1/mcp-configurations/mcp_doesnotexist').set('X-API-Key', key);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'NOT_FOUND',
      message: "MCP configuration with ID 'mcp_doesnotexist' not found.",
      type: 'not_found_error',
      status: 404,
    });
  });
});

describe('GET /v1/mcp-configurations (list)', () => {
  // An organization of its own, so other tests' configurations do not show up here.
  const org = 'org_list';
  const ids: string[] = [];
  let orgKey: string;
  const listKey = () => orgKey;
  beforeAll(async () => {
    ({ key: orgKey } = await gw.aitronosKey({ orgs: [org] }));
    for (let i = 0; i < 5; i += 1) {
      const res = await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', orgKey)
        .send(aitronosCreateBody(org, { name: `list-${i}` }));
      ids.push(res.body.id as string);
    }
    await gw.http.patch(`/v1/mcp-configurations/${ids[1]}`).set('X-API-Key', orgKey).send({ is_active: false });
    await gw.http.patch(`/v1/mcp-configurations/${ids[3]}`).set('X-API-Key', orgKey).send({ is_active: false });
  });

  it('returns every configuration of the organization, oldest first, with the total', async () => {
    const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: org }).set('X-API-Key', listKey());
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(5);
    expect(res.body.configurations.map((c: any) => c.id)).toEqual(ids);
  });

  it('filters on is_active', async () => {
    const inactive = await gw.http.get('/v1/mcp-configurations').query({ organization_id: org, is_active: 'false' }).set('X-API-Key', listKey());
    const active = await gw.http.get('/v1/mcp-configurations').query({ organization_id: org, is_active: 'true' }).set('X-API-Key', listKey());
    expect(inactive.body.configurations.map((c: any) => c.id)).toEqual([ids[1], ids[3]]);
    expect(active.body.configurations.map((c: any) => c.id)).toEqual([ids[0], ids[2], ids[4]]);
    expect(active.body.total).toBe(3);
  });

  it('filters on type: everything created here is custom', async () => {
    const custom = await gw.http.get('/v1/mcp-configurations').query({ organization_id: org, type: 'custom' }).set('X-API-Key', listKey());
    const streamline = await gw.http.get('/v1/mcp-configurations').query({ organization_id: org, type: 'streamline' }).set('X-API-Key', listKey());
    expect(custom.body.total).toBe(5);
    expect(streamline.body).toEqual({ configurations: [], total: 0 });
  });

  it('pages with limit and offset while total counts every match', async () => {
    const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: org, limit: 2, offset: 2 }).set('X-API-Key', listKey());
    expect(res.body.total).toBe(5);
    expect(res.body.configurations.map((c: any) => c.id)).toEqual([ids[2], ids[3]]);
  });

  it('answers 422 naming organization_id when it is missing', async () => {
    const res = await gw.http.get('/v1/mcp-configurations').set('X-API-Key', listKey());
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual({ field: 'organization_id' });
  });

  it.each([
    [{ is_active: 'maybe' }, 'is_active'],
    [{ limit: '0' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ limit: '1e309' }, 'limit'],
    [{ offset: '-1e309' }, 'offset'],
    [{ offset: '1.5e1' }, 'offset'],
    [{ offset: '-1' }, 'offset'],
    [{ type: 'other' }, 'type'],
    [{ colour: 'blue' }, 'colour'],
  ])('answers 422 for the bad query %j', async (query, field) => {
    const res = await gw.http
      .get('/v1/mcp-configurations')
      .query({ organization_id: org, ...query })
      .set('X-API-Key', listKey());
    expect(res.status).toBe(422);
    expect(res.body.error.details.field).toBe(field);
  });
});

describe.each(['put', 'patch'] as const)('%s /v1/mcp-configurations/{id}', (method) => {
  it('changes only the fields given and moves updatedAt', async () => {
    const created = await create({ tool_configuration: { enabled: true, allowed_tools: ['a'] } });
    await new Promise((r) => setTimeout(r, 5));
    const res = await gw.http[method](`/v1/mcp-configurations/${created.id}`)
      .set('X-API-Key', key)
      .send({ name: `${created.name} renamed` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...created, name: `${created.name} renamed`, updatedAt: expect.any(String) });
    expect(Date.parse(res.body.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt));
    const read = await gw.http.get(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key);
    expect(read.body).toEqual(res.body);
  });

  it('updates the URL, the active flag and the tool configuration', async () => {
    const created = await create();
    const res = await gw.http[method](`/v1/mcp-configurations/${created.id}`)
      .set('X-API-Key', key)
      .send({
        server_url: 'https://moved.example.com/mcp',
        is_active: false,
        tool_configuration: { allowed_tools: ['search'] },
      });
    expect(res.body).toMatchObject({
      serverUrl: 'https://moved.example.com/mcp',
      isActive: false,
      toolConfiguration: { enabled: true, allowedTools: ['search'] },
    });
    const cleared = await gw.http[method](`/v1/mcp-configurations/${created.id}`)
      .set('X-API-Key', key)
      .send({ tool_configuration: { allowed_tools: null } });
    expect(cleared.body.toolConfiguration).toEqual({ enabled: true, allowedTools: null });
  });

  it('replaces credentials of the current auth type and refuses fields of another', async () => {
    const created = await create({ auth_type: 'bearer_token', credentials: { token: 'old' } });
    const ok = await gw.http[method](`/v1/mcp-configurations/${created.id}`)
      .set('X-API-Key', key)
      .send({ credentials: { token: 'new' } });
    expect(ok.status).toBe(200);
    expect(ok.body.authType).toBe('bearer_token');
    const wrong = await gw.http[method](`/v1/mcp-configurations/${created.id}`)
      .set('X-API-Key', key)
      .send({ credentials: { api_key: 'k' } });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.details.field).toBe('credentials.api_key');
  });

  it.each([
    [{ organization_id: 'org_second' }, 'organization_id'],
    [{ transport_type: 'sse' }, 'transport_type'],
    [{ auth_type: 'none' }, 'auth_type'],
    [{ name: '' }, 'name'],
    [{ server_url: 'javascript:alert(1)' }, 'server_url'],
    [{ is_active: 'yes' }, 'is_active'],
  ])('refuses %j with 422 and leaves the configuration as it was', async (body, field) => {
    const created = await create();
    const res = await gw.http[method](`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key).send(body);
    expect(res.status).toBe(422);
    expect(res.body.error.details.field).toBe(field);
    const read = await gw.http.get(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key);
    expect(read.body).toEqual(created);
  });

  it('answers 409 when the new name is taken, and keeps the old name', async () => {
    const first = await create();
    const second = await create();
    const res = await gw.http[method](`/v1/mcp-configurations/${second.id}`).set('X-API-Key', key).send({ name: first.name });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('DUPLICATE_NAME');
    expect((await gw.http.get(`/v1/mcp-configurations/${second.id}`).set('X-API-Key', key)).body.name).toBe(second.name);
  });

  it('answers 404 for an unknown id', async () => {
    const res = await gw.http[method]('/v1/mcp-configurations/mcp_missing').set('X-API-Key', key).send({ name: 'x' });
    expect(res.status).toBe(404);
  });
});

describe('DELETE /v1/mcp-configurations/{id}', () => {
  it('answers 204 with an empty body, after which the id is gone from get, update and list', async () => {
    const created = await create();
    const res = await gw.http.delete(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await gw.http.get(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key)).status).toBe(404);
    expect((await gw.http.patch(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key).send({ name: 'z' })).status).toBe(404);
    expect((await gw.http.delete(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key)).status).toBe(404);
    const list = await gw.http.get('/v1/mcp-configurations').query({ organization_id: ORG }).set('X-API-Key', key);
    expect(list.body.configurations.map((c: any) => c.id)).not.toContain(created.id);
  });

  it('keeps the row (soft delete) and frees the name for a new configuration', async () => {
    const created = await create({ name: 'reusable name' });
    await gw.http.delete(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key);
    const row = await gw.services.db.knex('mcp_servers').where({ id: created.id }).first();
    expect(row.deleted_at).not.toBeNull();
    const again = await create({ name: 'reusable name' });
    expect(again.id).not.toBe(created.id);
  });

  it("erases the deleted configuration's stored credentials", async () => {
    const created = await create({ auth_type: 'api_key', credentials: { api_key: 'to-be-erased' } });
    const before = await gw.services.db.knex('secrets').where({ managed_by: created.id }).count({ n: '*' });
    expect(Number(before[0]!.n)).toBe(1);
    await gw.http.delete(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key);
    const after = await gw.services.db.knex('secrets').where({ managed_by: created.id }).count({ n: '*' });
    expect(Number(after[0]!.n)).toBe(0);
  });
});

describe('routes that do not exist', () => {
  it('answers an unknown path under /v1 with 404 and an unsupported method with 405, both in the envelope', async () => {
    const unknown = await gw.http.get('/v1/unknown').set('X-API-Key', key);
    expect(unknown.status).toBe(404);
    expect(unknown.body.success).toBe(false);
    const method = await gw.http.delete('/v1/mcp-configurations').set('X-API-Key', key);
    expect(method.status).toBe(405);
    expect(method.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
