import { createHash } from 'node:crypto';
import { SEED_ZUDU_CREATE, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let auth: Record<string, string>;
const ORG = 'org_1234567890';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ headers: auth } = await gw.zuduKey(ORG));
});
afterAll(() => gw.close());

async function create(overrides: Record<string, unknown> = {}) {
  const res = await gw.http
    .post('/api/mcp-servers')
    .set(auth)
    .send({ config: zuduConfig(overrides) });
  expect(res.status).toBe(200);
  return res.body.data as Record<string, any>;
}
const get = async (id: string) => (await gw.http.get(`/api/mcp-servers/${id}`).set(auth)).body.data as Record<string, any>;

describe('POST /api/mcp-servers', () => {
  it("accepts the seed's curl request verbatim (no Content-Type, as curl -d sends it) and answers in the seed's shape", async () => {
    const res = await gw.http.post('/api/mcp-servers').set(auth).set('Content-Type', 'application/x-www-form-urlencoded').send(SEED_ZUDU_CREATE);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: 'MCP server created successfully',
      status: 'success',
      error: null,
      data: {
        id: expect.stringMatching(/^mcp_[0-9a-f]{32}$/),
        organization_id: ORG,
        server_url: 'https://example.com/mcp-server',
        server_name: 'My MCP Server',
        approval_policy: 'auto_approve_all',
        transport: 'SSE',
        description: 'MCP server for customer support tools',
        created_at: expect.any(Number),
        updated_at: res.body.data.created_at,
      },
    });
    expect(Math.abs(res.body.data.created_at - Date.now())).toBeLessThan(60_000);
  });

  it("keeps the seed's reference to a secret that does not exist yet and shows it as secret_token_id", async () => {
    const created = await create({ secret_token: { secret_id: 'secret_not_yet' } });
    expect((await get(created.id)).secret_token_id).toBe('secret_not_yet');
  });

  it('defaults transport to SSE and approval_policy to auto_approve_all', async () => {
    const created = await create();
    expect(created).toMatchObject({ transport: 'SSE', approval_policy: 'auto_approve_all', description: '' });
  });

  it('answers 409 with the seed messages when the name is taken (ignoring case)', async () => {
    const first = await create({ name: 'Support Tools' });
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(auth)
      .send({ config: zuduConfig({ name: 'support tools' }) });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      message: 'MCP server name already exists',
      status: 'error',
      error: "MCP server with name 'support tools' already exists in organization",
      request_id: res.headers['x-request-id'],
    });
    expect(first.server_name).toBe('Support Tools');
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['a URL that is not http(s)', { config: zuduConfig({ url: 'ftp://example.com' }) }, /^config\.url must be a valid HTTP\/HTTPS URL$/],
    ['a missing url', { config: { name: 'x' } }, /^Missing required field: config\.url$/],
    ['a missing config', { name: 'x', url: 'https://x.example.com' }, /config/],
    ['an over-long name', { config: zuduConfig({ name: 'n'.repeat(256) }) }, /^config\.name must NOT have more than 255 characters$/],
    ['an over-long URL', { config: zuduConfig({ url: `https://x.example.com/${'a'.repeat(1000)}` }) }, /^config\.url/],
    ['an over-long description', { config: zuduConfig({ description: 'd'.repeat(5001) }) }, /^config\.description/],
    ['an unknown transport', { config: zuduConfig({ transport: 'stdio' }) }, /^config\.transport must be equal to one of the allowed values/],
    ['an unknown approval policy', { config: zuduConfig({ approval_policy: 'sometimes' }) }, /^config\.approval_policy/],
    ['an unknown field', { config: zuduConfig({ colour: 'blue' }) }, /^Unknown field: config\.colour$/],
    ['a header value that is not a string', { config: zuduConfig({ request_headers: { 'X-A': 1 } }) }, /^config\.request_headers\.X-A must be string$/],
    ['a header the gateway owns', { config: zuduConfig({ request_headers: { Host: 'evil' } }) }, /^config\.request_headers\.Host/],
    ['a header with a line break', { config: zuduConfig({ request_headers: { 'X-A': 'a\r\nInjected: 1' } }) }, /^config\.request_headers\.X-A/],
    ['a secret_token without secret_id', { config: zuduConfig({ secret_token: {} }) }, /secret_token\.secret_id/],
    ['a secret id with odd characters', { config: zuduConfig({ secret_token: { secret_id: '../etc' } }) }, /^config\.secret_token\.secret_id/],
    ['invalid JSON', '{"config": {', /not valid JSON/],
  ];
  it.each(bad)('answers 400 "Validation failed" naming the field and rule for %s, and writes nothing', async (_label, body, error) => {
    const before = (await gw.http.get('/api/mcp-servers').set(auth)).body.data.total_count;
    const req = gw.http.post('/api/mcp-servers').set(auth).set('Content-Type', 'application/json');
    const res = await req.send(typeof body === 'string' ? body : JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ message: 'Validation failed', status: 'error', error: expect.stringMatching(error), request_id: expect.any(String) });
    expect((await gw.http.get('/api/mcp-servers').set(auth)).body.data.total_count).toBe(before);
  });
});

describe('GET /api/mcp-servers/{id}', () => {
  it('adds the detail fields, with header names shown and values masked', async () => {
    const created = await create({ request_headers: { 'X-Team': 'support', Authorization: 'Bearer abc' }, secret_token: { secret_id: 'secret_x' } });
    const res = await gw.http.get(`/api/mcp-servers/${created.id}`).set(auth);
    expect(res.body).toEqual({
      message: 'MCP server retrieved successfully',
      status: 'success',
      error: null,
      data: {
        ...created,
        request_headers: { 'X-Team': '********', Authorization: '********' },
        secret_token_id: 'secret_x',
        tool_approval_hashes: [],
        dependent_agents: [],
      },
    });
  });

  it('answers 404 with the seed messages for an unknown id', async () => {
    const res = await gw.http.get('/api/mcp-servers/mcp_nope').set(auth);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      message: 'MCP server not found',
      status: 'error',
      error: "MCP server with ID 'mcp_nope' not found",
      request_id: expect.any(String),
    });
  });
});

describe('PATCH /api/mcp-servers/{id}', () => {
  it.each([
    ['wrapped in config', (fields: Record<string, unknown>) => ({ config: fields })],
    ['flat', (fields: Record<string, unknown>) => fields],
  ])('changes only the given fields when sent %s', async (_label, wrap) => {
    const created = await create({ description: 'before', approval_policy: 'require_approval_all' });
    await new Promise((r) => setTimeout(r, 3));
    const res = await gw.http
      .patch(`/api/mcp-servers/${created.id}`)
      .set(auth)
      .send(wrap({ description: 'after', transport: 'STREAMABLE_HTTP' }));
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('MCP server updated successfully');
    expect(res.body.data).toMatchObject({
      server_name: created.server_name,
      server_url: created.server_url,
      approval_policy: 'require_approval_all',
      description: 'after',
      transport: 'STREAMABLE_HTTP',
      created_at: created.created_at,
    });
    expect(res.body.data.updated_at).toBeGreaterThan(created.updated_at);
  });

  it('keeps a header value sent back as the mask, replaces the others and drops those left out', async () => {
    const created = await create({ request_headers: { 'X-Keep': 'kept-value', 'X-Change': 'old', 'X-Drop': 'gone' } });
    const res = await gw.http
      .patch(`/api/mcp-servers/${created.id}`)
      .set(auth)
      .send({ config: { request_headers: { 'X-Keep': '********', 'X-Change': 'new', 'X-Add': 'added' } } });
    expect(res.body.data.request_headers).toEqual({ 'X-Keep': '********', 'X-Change': '********', 'X-Add': '********' });
    const stored = await gw.services.registry.get({ keyId: 't', userId: null, organizationIds: [ORG], role: 'admin' }, created.id);
    const { decryptHeaders } = await import('../../core/services/request-headers');
    const cipher = (gw.services.registry as any).deps.cipher;
    expect(decryptHeaders(cipher, created.id, stored.requestHeaders)).toEqual({ 'X-Keep': 'kept-value', 'X-Change': 'new', 'X-Add': 'added' });
  });

  it('refuses the mask for a header that has no stored value', async () => {
    const created = await create();
    const res = await gw.http
      .patch(`/api/mcp-servers/${created.id}`)
      .set(auth)
      .send({ request_headers: { 'X-New': '********' } });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^request_headers\.X-New/);
  });

  it('sets, replaces and removes the bearer secret reference', async () => {
    const created = await create();
    await gw.http
      .patch(`/api/mcp-servers/${created.id}`)
      .set(auth)
      .send({ secret_token: { secret_id: 'secret_one' } });
    expect((await get(created.id)).secret_token_id).toBe('secret_one');
    await gw.http
      .patch(`/api/mcp-servers/${created.id}`)
      .set(auth)
      .send({ config: { secret_token: null } });
    expect((await get(created.id)).secret_token_id).toBeNull();
  });

  it('refuses a body that mixes config with flat fields', async () => {
    const created = await create();
    const res = await gw.http
      .patch(`/api/mcp-servers/${created.id}`)
      .set(auth)
      .send({ config: { name: 'a' }, description: 'b' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/either config or the fields flat/);
    expect(await get(created.id)).toMatchObject({ server_name: created.server_name, description: created.description });
  });

  it('answers 409 when renaming onto a taken name and 404 for an unknown id', async () => {
    const a = await create();
    const b = await create();
    const conflict = await gw.http.patch(`/api/mcp-servers/${b.id}`).set(auth).send({ name: a.server_name });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toBe('MCP server name already exists');
    expect((await gw.http.patch('/api/mcp-servers/mcp_nope').set(auth).send({ name: 'x' })).status).toBe(404);
  });
});

describe('DELETE /api/mcp-servers/{id}', () => {
  it('answers {id, deleted: true}, after which the server is gone', async () => {
    const created = await create();
    const res = await gw.http.delete(`/api/mcp-servers/${created.id}`).set(auth);
    expect(res.body).toEqual({ message: 'MCP server deleted successfully', status: 'success', error: null, data: { id: created.id, deleted: true } });
    expect((await gw.http.get(`/api/mcp-servers/${created.id}`).set(auth)).status).toBe(404);
    expect((await gw.http.delete(`/api/mcp-servers/${created.id}`).set(auth)).status).toBe(404);
  });
});

describe('PATCH /api/mcp-servers/{id}/approval-policy', () => {
  it('sets the policy and answers with the documented fields', async () => {
    const created = await create();
    const res = await gw.http.patch(`/api/mcp-servers/${created.id}/approval-policy`).set(auth).send({ approval_policy: 'require_approval_per_tool' });
    expect(res.body.data).toEqual({
      id: created.id,
      organization_id: ORG,
      server_name: created.server_name,
      approval_policy: 'require_approval_per_tool',
      updated_at: expect.any(Number),
    });
    expect((await get(created.id)).approval_policy).toBe('require_approval_per_tool');
  });

  it('refuses an unknown policy with 400', async () => {
    const created = await create();
    const res = await gw.http.patch(`/api/mcp-servers/${created.id}/approval-policy`).set(auth).send({ approval_policy: 'never' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^approval_policy must be equal to one of the allowed values/);
  });
});

describe('tool approvals', () => {
  const canonical = (description: string, schema: unknown) =>
    createHash('sha256')
      .update(JSON.stringify({ description, input_schema: schema }), 'utf8')
      .digest('hex');

  it("computes tool_hash as the SHA-256 of the tool's description and input schema when none is sent", async () => {
    const created = await create();
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    const res = await gw.http
      .post(`/api/mcp-servers/${created.id}/tool-approvals`)
      .set(auth)
      .send({ tool_name: 'search', tool_description: 'Search the web', input_schema: schema });
    expect(res.body).toEqual({
      message: 'Tool approval added successfully',
      status: 'success',
      error: null,
      data: {
        tool_name: 'search',
        tool_hash: canonical('Search the web', { properties: { q: { type: 'string' } }, type: 'object' }),
        approval_policy: 'requires_approval',
        server: { id: created.id, server_name: created.server_name, approval_policy: 'auto_approve_all' },
      },
    });
  });

  it('gives equal hashes to equal schemas whatever their key order', async () => {
    const created = await create();
    const a = await gw.http
      .post(`/api/mcp-servers/${created.id}/tool-approvals`)
      .set(auth)
      .send({ tool_name: 'a', tool_description: 'd', input_schema: { x: 1, y: 2 } });
    const b = await gw.http
      .post(`/api/mcp-servers/${created.id}/tool-approvals`)
      .set(auth)
      .send({ tool_name: 'b', tool_description: 'd', input_schema: { y: 2, x: 1 } });
    expect(a.body.data.tool_hash).toBe(b.body.data.tool_hash);
  });

  it('keeps a hash the client sends, and replaces the approval of a tool that already has one', async () => {
    const created = await create();
    const hash = 'ab'.repeat(32);
    await gw.http.post(`/api/mcp-servers/${created.id}/tool-approvals`).set(auth).send({ tool_name: 'fetch', tool_description: 'old' });
    await gw.http
      .post(`/api/mcp-servers/${created.id}/tool-approvals`)
      .set(auth)
      .send({ tool_name: 'fetch', tool_hash: hash, approval_policy: 'auto_approved' });
    expect((await get(created.id)).tool_approval_hashes).toEqual([{ tool_name: 'fetch', tool_hash: hash, approval_policy: 'auto_approved' }]);
  });

  it('removes one approval and answers with the remaining ones; 404 when the approval or the server does not exist', async () => {
    const created = await create();
    for (const tool of ['one', 'two']) await gw.http.post(`/api/mcp-servers/${created.id}/tool-approvals`).set(auth).send({ tool_name: tool });
    const res = await gw.http.delete(`/api/mcp-servers/${created.id}/tool-approvals/one`).set(auth);
    expect(res.body.message).toBe('Tool approval removed successfully');
    expect(res.body.data.tool_approval_hashes.map((a: any) => a.tool_name)).toEqual(['two']);
    const again = await gw.http.delete(`/api/mcp-servers/${created.id}/tool-approvals/one`).set(auth);
    expect(again.status).toBe(404);
    expect(again.body.message).toBe('Tool approval not found');
    expect((await gw.http.delete('/api/mcp-servers/mcp_nope/tool-approvals/two').set(auth)).body.message).toBe('MCP server not found');
  });

  it('refuses a malformed tool_hash', async () => {
    const created = await create();
    const res = await gw.http.post(`/api/mcp-servers/${created.id}/tool-approvals`).set(auth).send({ tool_name: 'x', tool_hash: 'not-a-hash' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^tool_hash/);
  });
});

describe('POST /api/mcp-servers/validate-url', () => {
  it('reports a well-formed URL it cannot reach as valid, with the failed connectivity test explained', async () => {
    const res = await gw.http.post('/api/mcp-servers/validate-url').set(auth).send({ url: 'https://fresh.example.com/mcp' });
    expect(res.body.data).toEqual({
      valid: true,
      url: 'https://fresh.example.com/mcp',
      checks: { format_valid: true, is_duplicate: false, connectivity_test: 'failed' },
      recommendations: [expect.stringMatching(/^Connectivity test failed \(transport\): .*ENOTFOUND/)],
    });
  });

  it('flags a URL already used in the organization, and a malformed one (without trying to connect)', async () => {
    const created = await create();
    const dup = await gw.http.post('/api/mcp-servers/validate-url').set(auth).send({ url: created.server_url });
    expect(dup.body.data.checks.is_duplicate).toBe(true);
    expect(dup.body.data.valid).toBe(true);
    const bad = await gw.http.post('/api/mcp-servers/validate-url').set(auth).send({ url: 'not a url' });
    expect(bad.body.data).toMatchObject({ valid: false, checks: { format_valid: false, is_duplicate: false, connectivity_test: 'skipped' } });
    const missing = await gw.http.post('/api/mcp-servers/validate-url').set(auth).send({});
    expect(missing.status).toBe(400);
  });
});
