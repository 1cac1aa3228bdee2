import { aitronosCreateBody, SEED_AITRONOS_CREATE } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key } = await gw.aitronosKey({ orgs: ['org_abc123'], userId: 'usr_seed' }));
});
afterAll(() => gw.close());

const liveCount = async (org = 'org_abc123') =>
  (await gw.http.get('/v1/mcp-configurations').query({ organization_id: org }).set('X-API-Key', key)).body.total as number;

describe('POST /v1/mcp-configurations', () => {
  it("accepts the seed page's curl request verbatim and answers 201 in the documented shape", async () => {
    const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).set('Content-Type', 'application/json').send(SEED_AITRONOS_CREATE);

    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^mcp_[0-9a-f]{32}$/),
      name: 'My MCP Server',
      type: 'custom',
      organizationId: 'org_abc123',
      userId: 'usr_seed',
      serverUrl: 'https://mcp.example.com/sse',
      transportType: 'sse',
      authType: 'bearer_token',
      isActive: true,
      connectionStatus: 'untested',
      lastConnectedAt: null,
      errorMessage: null,
      toolConfiguration: { enabled: true, allowedTools: null },
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      updatedAt: res.body.createdAt,
    });
    expect(JSON.stringify(res.body)).not.toContain('my-bearer-token');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('stores every auth type with its credentials and reports only the type', async () => {
    const cases = [
      { auth_type: 'none', expected: 'none' },
      { auth_type: 'bearer_token', credentials: { token: 't-1' }, expected: 'bearer_token' },
      { auth_type: 'api_key', credentials: { api_key: 'k-1', header_name: 'X-Upstream-Key' }, expected: 'api_key' },
      { auth_type: 'api_key', credentials: { api_key: 'k-2' }, expected: 'api_key' },
      {
        auth_type: 'oauth',
        credentials: { client_id: 'cid', client_secret: 'cs', token_url: 'https://auth.example.com/token', scope: 'tools' },
        expected: 'oauth',
      },
      { auth_type: 'oauth', credentials: { access_token: 'at-1' }, expected: 'oauth' },
    ];
    for (const { expected, ...fields } of cases) {
      const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody('org_abc123', fields));
      expect({ status: res.status, authType: res.body.authType }).toEqual({ status: 201, authType: expected });
    }
  });

  it('keeps the tool configuration it is given', async () => {
    const res = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody('org_abc123', { tool_configuration: { enabled: false, allowed_tools: ['search', 'fetch'] } }));
    expect(res.status).toBe(201);
    expect(res.body.toolConfiguration).toEqual({ enabled: false, allowedTools: ['search', 'fetch'] });
  });

  it('accepts Authorization: Bearer with the API key as well as X-API-Key', async () => {
    const res = await gw.http.post('/v1/mcp-configurations').set('Authorization', `Bearer ${key}`).send(aitronosCreateBody('org_abc123'));
    expect(res.status).toBe(201);
  });
});

describe('bad input on create', () => {
  const valid = () => aitronosCreateBody('org_abc123');
  const cases: Array<[string, Record<string, unknown> | string, string]> = [
    ['a missing server_url', (({ server_url: _, ...rest }) => rest)(valid()), 'server_url'],
    ['a missing name', (({ name: _, ...rest }) => rest)(valid()), 'name'],
    ['a wrong type for name', { ...valid(), name: 42 }, 'name'],
    ['a wrong type inside tool_configuration', { ...valid(), tool_configuration: { allowed_tools: [1] } }, 'tool_configuration.allowed_tools[0]'],
    ['an unknown field', { ...valid(), colour: 'blue' }, 'colour'],
    ['an unknown credentials field', { ...valid(), auth_type: 'bearer_token', credentials: { token: 'x', extra: 1 } }, 'credentials.extra'],
    ['an over-long name', { ...valid(), name: 'n'.repeat(256) }, 'name'],
    ['an over-long URL', { ...valid(), server_url: `https://example.com/${'a'.repeat(1000)}` }, 'server_url'],
    ['a URL that is not http(s)', { ...valid(), server_url: 'ftp://example.com/mcp' }, 'server_url'],
    ['a relative URL', { ...valid(), server_url: 'example.com/mcp' }, 'server_url'],
    ['a URL with a password in it', { ...valid(), server_url: 'https://user:pw@example.com/mcp' }, 'server_url'],
    ['the stdio transport', { ...valid(), transport_type: 'stdio' }, 'transport_type'],
    ['an unknown transport', { ...valid(), transport_type: 'websocket' }, 'transport_type'],
    ['bearer_token without a token', { ...valid(), auth_type: 'bearer_token' }, 'credentials.token'],
    ['bearer with an empty token', { ...valid(), auth_type: 'bearer', credentials: { token: '' } }, 'credentials.token'],
    ['api_key without a key', { ...valid(), auth_type: 'api_key', credentials: {} }, 'credentials.api_key'],
    ['oauth without a token URL', { ...valid(), auth_type: 'oauth', credentials: { client_id: 'a', client_secret: 'b' } }, 'credentials.token_url'],
    ['credentials that do not fit the auth type', { ...valid(), auth_type: 'none', credentials: { token: 'x' } }, 'credentials.token'],
    ['a name of white space only', { ...valid(), name: '   ' }, 'name'],
    ['a control character in the name', { ...valid(), name: 'bad\u0007name' }, 'name'],
    ['a JSON array instead of an object', [valid()] as unknown as Record<string, unknown>, 'body'],
    ['invalid JSON', '{"name": "x",', 'body'],
  ];

  it.each(cases)('answers 422 VALIDATION_ERROR naming the field for %s, and writes nothing', async (_label, body, field) => {
    const before = await liveCount();
    const res = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .set('Content-Type', 'application/json')
      .send(typeof body === 'string' ? body : JSON.stringify(body));

    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      success: false,
      error: {
        code: 'VALIDATION_ERROR',
        message: 'The request contains invalid parameters.',
        system_message: expect.any(String),
        type: 'client_error',
        status: 422,
        details: { field },
        trace_id: res.headers['x-request-id'],
        timestamp: expect.any(String),
      },
    });
    expect(res.body.error.system_message).not.toMatch(/\n\s+at /);
    expect(await liveCount()).toBe(before);
  });

  it('says why stdio is refused and names the accepted transports', async () => {
    const res = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({ ...valid(), transport_type: 'stdio' });
    expect(res.body.error.system_message).toMatch(/stdio.*not supported.*sse.*streamable_http/);
  });

  it("words a missing field as the seed's example does", async () => {
    const { server_url: _, ...body } = valid();
    const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(body);
    expect(res.body.error.system_message).toBe('Missing required field: server_url');
  });

  it('answers a body that is not JSON with a client error in the envelope', async () => {
    const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).set('Content-Type', 'text/plain').send('name=x');
    expect(res.status).toBe(415);
    expect(res.body.success).toBe(false);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
