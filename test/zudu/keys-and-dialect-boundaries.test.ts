import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { cli } from '../support/cli';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let zudu: Record<string, string>;
let aitronosKey: string;

beforeAll(async () => {
  gw = await startTestGateway();
  ({ headers: zudu } = await gw.zuduKey('org_z'));
  ({ key: aitronosKey } = await gw.aitronosKey({ orgs: ['org_z'] }));
});
afterAll(() => gw.close());

const UNAUTHORIZED = { message: 'Unauthorized', status: 'error', error: 'Missing or invalid API key/secret', request_id: expect.any(String) };

describe('Zudu key pairs', () => {
  it('authenticate with X-API-KEY and X-API-SECRET', async () => {
    const res = await gw.http.get('/api/mcp-servers').set(zudu);
    expect(res.status).toBe(200);
  });

  it('answer a missing secret, a wrong secret, an unknown key and no headers with the very same 401', async () => {
    const variants = [
      { 'X-API-KEY': zudu['X-API-KEY']! },
      { 'X-API-KEY': zudu['X-API-KEY']!, 'X-API-SECRET': 's3cr3t_wrong' },
      { 'X-API-KEY': 'sk_unknown', 'X-API-SECRET': zudu['X-API-SECRET']! },
      { 'X-API-SECRET': zudu['X-API-SECRET']! },
      {},
    ];
    for (const headers of variants) {
      const res = await gw.http.get('/api/mcp-servers').set(headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED);
    }
  });

  it('are stored only as hashes, key and secret alike', async () => {
    const raw = await gw.database.rawContents();
    expect(raw).not.toContain(zudu['X-API-KEY']);
    expect(raw).not.toContain(zudu['X-API-SECRET']);
  });

  it('belong to one organization: what they create lands there', async () => {
    const res = await gw.http.post('/api/mcp-servers').set(zudu).send({ config: zuduConfig() });
    expect(res.body.data.organization_id).toBe('org_z');
  });

  it('are refused at once after revocation', async () => {
    const pair = await gw.zuduKey('org_z');
    expect((await gw.http.get('/api/mcp-servers').set(pair.headers)).status).toBe(200);
    await gw.services.apiKeys.revoke(pair.id);
    expect((await gw.http.get('/api/mcp-servers').set(pair.headers)).body).toEqual(UNAUTHORIZED);
  });
});

describe('dialects never bleed', () => {
  it('answers an Aitronos key on a Zudu path with 401 in the Zudu envelope', async () => {
    for (const headers of [{ 'X-API-Key': aitronosKey }, { Authorization: `Bearer ${aitronosKey}` }, { 'X-API-KEY': aitronosKey, 'X-API-SECRET': 'x' }]) {
      const res = await gw.http.get('/api/mcp-servers').set(headers);
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED);
    }
  });

  it('answers Zudu headers on an Aitronos path with 401 in the Aitronos envelope', async () => {
    const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_z' }).set(zudu);
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ success: false, error: { code: 'INVALID_API_KEY', type: 'authentication_error', status: 401 } });
  });

  it('answers unknown routes under each prefix with 404 in that prefix’s envelope', async () => {
    const api = await gw.http.get('/api/unknown').set(zudu);
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ message: 'Not found', status: 'error', error: 'No such route', request_id: expect.any(String) });
    const v1 = await gw.http.get('/v1/unknown').set('X-API-Key', aitronosKey);
    expect(v1.status).toBe(404);
    expect(v1.body).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    const apiMethod = await gw.http.put('/api/mcp-servers').set(zudu).send({});
    expect(apiMethod.status).toBe(405);
    expect(apiMethod.body).toMatchObject({ status: 'error', message: 'Method not allowed' });
  });

  it('speaks each dialect in validation errors for the same mistake', async () => {
    const v1 = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', aitronosKey)
      .send(aitronosCreateBody('org_z', { server_url: 'ftp://x' }));
    const api = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ url: 'ftp://x' }) });
    expect(v1.status).toBe(422);
    expect(v1.body.error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { field: 'server_url' },
      system_message: 'server_url must be a valid HTTP/HTTPS URL',
    });
    expect(api.status).toBe(400);
    expect(api.body).toMatchObject({ message: 'Validation failed', error: 'config.url must be a valid HTTP/HTTPS URL' });
  });

  it('gives every response, error or not, an X-Request-Id, honouring a well-formed incoming one', async () => {
    const mine = 'req-0123456789abcdef';
    const res = await gw.http.get('/api/mcp-servers/mcp_nope').set(zudu).set('X-Request-Id', mine);
    expect(res.headers['x-request-id']).toBe(mine);
    expect(res.body.request_id).toBe(mine);
    const odd = await gw.http.get('/api/mcp-servers').set(zudu).set('X-Request-Id', 'bad id with spaces');
    expect(odd.headers['x-request-id']).not.toBe('bad id with spaces');
  });
});

describe('mcp-gateway keys for Zudu', () => {
  const KEY = Buffer.alloc(32, 5).toString('base64');

  it('creates a pair with --json in the documented shape, lists it and revokes it', async () => {
    const { createTestDatabase } = await import('../support/test-database');
    const db = await createTestDatabase();
    try {
      const created = await cli(db.url, KEY, 'keys', 'create', '--dialect', 'zudu', '--org', 'org_cli', '--json');
      expect(created.code).toBe(0);
      const printed = JSON.parse(created.stdout);
      expect(printed).toEqual({
        dialect: 'zudu',
        id: expect.stringMatching(/^key_/),
        apiKey: expect.stringMatching(/^sk_[A-Za-z0-9_-]{40,}$/),
        apiSecret: expect.stringMatching(/^s3cr3t_[A-Za-z0-9_-]{40,}$/),
        // Every key acts for a user (issue 11): generated when --user is not given.
        userId: expect.stringMatching(/^usr_/),
        organizationId: 'org_cli',
        role: 'admin',
      });
      const named = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'zudu', '--org', 'org_cli', '--user', 'usr_zara', '--json')).stdout);
      expect(named.userId).toBe('usr_zara');
      const aitronos = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_cli', '--json')).stdout);
      const listed = JSON.parse((await cli(db.url, KEY, 'keys', 'list', '--json')).stdout) as Array<{ id: string; dialect: string }>;
      expect(listed.map((k) => [k.id, k.dialect])).toEqual(
        expect.arrayContaining([
          [printed.id, 'zudu'],
          [aitronos.id, 'aitronos'],
        ]),
      );
      expect(JSON.stringify(listed)).not.toContain(printed.apiSecret);
      expect((await cli(db.url, KEY, 'keys', 'revoke', printed.id)).code).toBe(0);
      const after = JSON.parse((await cli(db.url, KEY, 'keys', 'list', '--json')).stdout) as Array<{ id: string; revokedAt: string | null }>;
      expect(after.find((k) => k.id === printed.id)?.revokedAt).not.toBeNull();
    } finally {
      await db.drop();
    }
  });

  it('refuses a Zudu pair for more than one organization', async () => {
    const { createTestDatabase } = await import('../support/test-database');
    const db = await createTestDatabase();
    try {
      const res = await cli(db.url, KEY, 'keys', 'create', '--dialect', 'zudu', '--org', 'org_a', '--org', 'org_b');
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/exactly one organization/);
    } finally {
      await db.drop();
    }
  });
});
