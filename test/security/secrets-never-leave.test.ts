import { randomBytes } from 'node:crypto';
import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let key: string;
const ORG = 'org_leak';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key } = await gw.aitronosKey({ orgs: [ORG] }));
});
afterAll(() => gw.close());

const planted: string[] = [];
/** A unique, recognisable credential to search for afterwards. */
const plant = (label: string) => {
  const value = `PLANTED-${label}-${randomBytes(8).toString('hex')}`;
  planted.push(value);
  return value;
};

/** The plaintext in the forms a careless store might use. */
const forms = (value: string) => [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')];

describe('credentials never leave the gateway', () => {
  it('appear in no response, no log line and nowhere in the raw database, whatever path they took', async () => {
    const seen: string[] = [];
    const record = (res: { status: number; headers: Record<string, unknown>; text: string }) => {
      seen.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
      return res;
    };
    const call = async (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: unknown) => {
      const req = gw.http[method](path).set('X-API-Key', key);
      return record(await (body === undefined ? req : req.send(body as object)));
    };

    const bodies = [
      { auth_type: 'bearer', credentials: { token: plant('bearer') } },
      { auth_type: 'bearer_token', credentials: { token: plant('bearer-token') } },
      { auth_type: 'api_key', credentials: { api_key: plant('api-key'), header_name: 'X-Key' } },
      { auth_type: 'oauth', credentials: { client_id: 'client', client_secret: plant('client-secret'), token_url: 'https://auth.example.com/t' } },
      { auth_type: 'oauth', credentials: { access_token: plant('access-token') } },
    ];
    const ids: string[] = [];
    for (const auth of bodies) {
      const res = await call('post', '/v1/mcp-configurations', aitronosCreateBody(ORG, auth));
      expect(res.status).toBe(201);
      ids.push(JSON.parse(res.text).id);
    }
    const [first, second, third] = ids as [string, string, string];

    // Reads, updates (credentials replaced), and every error path that echoes input.
    await call('get', `/v1/mcp-configurations?organization_id=${ORG}`);
    await call('get', `/v1/mcp-configurations/${first}`);
    await call('put', `/v1/mcp-configurations/${first}`, { credentials: { token: plant('rotated') } });
    await call('patch', `/v1/mcp-configurations/${third}`, { credentials: { api_key: plant('rotated-key') }, name: 'renamed' });
    const firstName = JSON.parse((await call('get', `/v1/mcp-configurations/${first}`)).text).name;
    await call(
      'post',
      '/v1/mcp-configurations',
      aitronosCreateBody(ORG, { name: firstName, auth_type: 'bearer_token', credentials: { token: plant('conflict') } }),
    );
    await call('post', '/v1/mcp-configurations', aitronosCreateBody(ORG, { auth_type: 'none', credentials: { token: plant('wrong-type') } }));
    await call(
      'post',
      '/v1/mcp-configurations',
      aitronosCreateBody(ORG, { auth_type: 'bearer_token', credentials: { token: plant('too-long').padEnd(9000, 'x') } }),
    );
    await call('post', '/v1/mcp-configurations', aitronosCreateBody(ORG, { auth_type: 'bearer_token', credentials: { token: plant('bad-field'), extra: 1 } }));
    await call(
      'post',
      '/v1/mcp-configurations',
      aitronosCreateBody('org_someone_else', { auth_type: 'bearer_token', credentials: { token: plant('other-org') } }),
    );
    await call('patch', `/v1/mcp-configurations/${second}`, { credentials: { token: plant('wrong-type-update') } });
    await call('patch', '/v1/mcp-configurations/mcp_missing', { credentials: { token: plant('missing') } });
    record(
      await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', 'ak_wrong')
        .send(aitronosCreateBody(ORG, { auth_type: 'bearer', credentials: { token: plant('unauthenticated') } })),
    );
    await call('delete', `/v1/mcp-configurations/${second}`);

    const database = await gw.database.rawContents();
    expect(database).toContain(firstName); // the search reads real data
    const everything = [...seen, ...gw.logs, database].join('\n');
    for (const secret of planted) {
      for (const form of forms(secret)) expect(everything).not.toContain(form);
    }
    expect(seen.length).toBeGreaterThan(15);
  });
});

describe('Zudu secrets and request headers never leave the gateway', () => {
  it('appear in no response, no log line and nowhere in the raw database', async () => {
    const { headers: zudu } = await gw.zuduKey(ORG);
    const seen: string[] = [];
    const call = async (method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: unknown, headers = zudu) => {
      const req = gw.http[method](path).set(headers);
      const res = await (body === undefined ? req : req.send(body as object));
      seen.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
      return res;
    };

    const secret = (await call('post', '/api/secrets', { name: 'planted', value: plant('secret-value') })).body.data;
    await call('post', '/api/secrets', { secret_id: 'secret_named', name: 'named', value: plant('named-secret-value') });
    await call('post', '/api/secrets', { secret_id: 'secret_named', name: 'dup', value: plant('dup-secret-value') });
    await call('patch', `/api/secrets/${secret.secret_id}`, { value: plant('rotated-secret-value') });
    await call('patch', '/api/secrets/secret_missing', { value: plant('missing-secret-value') });
    await call('post', '/api/secrets', { name: 'x', value: plant('bad-secret').padEnd(9000, 'x') });

    const server = (
      await call('post', '/api/mcp-servers', {
        config: zuduConfig({
          request_headers: { Authorization: `Bearer ${plant('header-auth')}`, 'X-Key': plant('header-key') },
          secret_token: { secret_id: secret.secret_id },
        }),
      })
    ).body.data;
    await call('get', `/api/mcp-servers/${server.id}`);
    await call('get', '/api/mcp-servers');
    await call('get', '/api/secrets');
    await call('get', `/api/secrets/${secret.secret_id}`);
    await call('patch', `/api/mcp-servers/${server.id}`, { config: { request_headers: { Authorization: '********', 'X-New': plant('header-new') } } });
    await call('patch', `/api/mcp-servers/${server.id}`, { request_headers: { 'X-Bad': `${plant('header-crlf')}\r\nX: y` } });
    await call('post', '/api/mcp-servers', { config: zuduConfig({ name: server.server_name, request_headers: { 'X-Key': plant('header-conflict') } }) });
    await call('post', '/api/mcp-servers', { config: zuduConfig({ request_headers: { Host: plant('header-reserved') } }) });
    await call(
      'post',
      '/api/mcp-servers',
      { config: zuduConfig({ request_headers: { 'X-Key': plant('header-unauth') } }) },
      { 'X-API-KEY': 'sk_x', 'X-API-SECRET': 'y' },
    );
    await call('get', `/api/mcp-servers/${server.id}`);
    await call('delete', `/api/secrets/${secret.secret_id}`);
    await call('delete', `/api/mcp-servers/${server.id}`);

    const database = await gw.database.rawContents();
    expect(database).toContain(server.server_name);
    const everything = [...seen, ...gw.logs, database].join('\n');
    for (const value of planted) {
      for (const form of forms(value)) expect(everything).not.toContain(form);
    }
  });
});
