import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Everything the gateway later sends as an HTTP header value (request headers, API keys, bearer
 * tokens, Zudu secrets) must be sendable: Node refuses control characters and anything above
 * U+00FF in a header, so such a value would only make every probe fail.
 */
let gw: TestGateway;
let key: string;
let zudu: Record<string, string>;
const ORG = 'org_headers';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key } = await gw.aitronosKey({ orgs: [ORG] }));
  ({ headers: zudu } = await gw.zuduKey(ORG));
});
afterAll(() => gw.close());

const CONTROL = 'must not contain line breaks or other control characters';
const LATIN1 = 'must contain only characters up to U+00FF (an HTTP header cannot carry others)';
const UNICODE = 'must be valid Unicode (no lone surrogates)';

const unsendable: Array<[string, string, string]> = [
  ['a tab', 'a\tb', CONTROL],
  ['an escape character', 'a\u001bb', CONTROL],
  ['a C1 control', 'a\u0085b', CONTROL],
  ['a character above U+00FF', 'snow \u2603', LATIN1],
  ['an emoji', 'team \u{1F600}', LATIN1],
  ['a lone surrogate', 'a\ud800b', UNICODE],
];

describe('Zudu request header values', () => {
  it.each(unsendable)('refuses a value with %s: 400 naming config.request_headers.X-Team, and stores nothing', async (_case, value, rule) => {
    const count = async () => (await gw.http.get('/api/mcp-servers').set(zudu)).body.data.total_count as number;
    const before = await count();
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ request_headers: { 'X-Team': value } }) });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'Validation failed', error: `config.request_headers.X-Team ${rule}` });
    expect(await count()).toBe(before);
  });

  it('refuses such a value on update, naming the field as the body gave it (flat or under config)', async () => {
    const made = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ request_headers: { 'X-Team': 'blue' } }) });
    const id = made.body.data.id as string;
    const flat = await gw.http
      .patch(`/api/mcp-servers/${id}`)
      .set(zudu)
      .send({ request_headers: { 'X-Team': 'snow \u2603' } });
    expect([flat.status, flat.body.error]).toEqual([400, `request_headers.X-Team ${LATIN1}`]);
    const wrapped = await gw.http
      .patch(`/api/mcp-servers/${id}`)
      .set(zudu)
      .send({ config: { request_headers: { 'X-Team': 'a\u0000b' } } });
    expect([wrapped.status, wrapped.body.error]).toEqual([400, `config.request_headers.X-Team ${CONTROL}`]);
  });

  it('accepts Latin-1 text, which HTTP sends byte for byte', async () => {
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ request_headers: { 'X-Team': 'caf\u00e9 \u00fcber' } }) });
    expect(res.status).toBe(200);
  });

  it('names the duplicate of a header name (names ignore case) as config.request_headers.<name>', async () => {
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ request_headers: { 'X-Team': 'a', 'x-team': 'b' } }) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("config.request_headers.x-team repeats the header name 'X-Team' (header names ignore case)");
  });

  it('refuses a header name that is not an HTTP token, naming it', async () => {
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ request_headers: { 'X Team': 'a' } }) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^config\.request_headers\.X Team must be a valid HTTP header name/);
  });
});

describe('Zudu secret values (sent as bearer tokens)', () => {
  it.each(unsendable)('refuses a value with %s on create and on update: 400 naming value', async (_case, value, rule) => {
    const created = await gw.http.post('/api/secrets').set(zudu).send({ name: 'n', value });
    expect([created.status, created.body.error]).toEqual([400, `value ${rule}`]);
    const good = await gw.http.post('/api/secrets').set(zudu).send({ name: 'n', value: 'fine' });
    const updated = await gw.http.patch(`/api/secrets/${good.body.data.secret_id}`).set(zudu).send({ value });
    expect([updated.status, updated.body.error]).toEqual([400, `value ${rule}`]);
  });
});

describe('Aitronos credentials', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['bearer_token', { token: 'tok\ud83d' }, 'credentials.token'],
    ['bearer_token', { token: 'tok \u2603' }, 'credentials.token'],
    ['api_key', { api_key: 'key\u0001' }, 'credentials.api_key'],
    ['oauth', { access_token: 'at\u00a0\u4e2d' }, 'credentials.access_token'],
    ['oauth', { client_id: 'c', client_secret: 'cs\udc00', token_url: 'https://auth.example.com/token' }, 'credentials.client_secret'],
    ['oauth', { client_id: 'c\ud800', client_secret: 'cs', token_url: 'https://auth.example.com/token' }, 'credentials.client_id'],
  ];
  it.each(cases)('refuses %s credentials %j that can never be sent: 422 naming %s', async (authType, credentials, field) => {
    const res = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send(aitronosCreateBody(ORG, { auth_type: authType, credentials }));
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'VALIDATION_ERROR', details: { field } });
    expect(res.body.error.system_message).toMatch(new RegExp(`^${field.replace('.', '\\.')} must`));
  });
});
