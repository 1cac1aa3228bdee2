import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Names a client chooses (path segments, query values, header names) that are also the names of
 * Object.prototype's members must be looked up as data: unknown, never inherited.
 */
const PROTOTYPE_NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__', 'isPrototypeOf', '__defineGetter__'];

let gw: TestGateway;
let aitronosKey: string;
let zudu: Record<string, string>;
beforeAll(async () => {
  gw = await startTestGateway();
  aitronosKey = (await gw.aitronosKey({ orgs: ['org_proto'] })).key;
  zudu = (await gw.zuduKey('org_proto')).headers;
});
afterAll(() => gw.close());

describe('names of Object.prototype members', () => {
  it.each(PROTOTYPE_NAMES)('answers GET /openapi/%s.json with a plain JSON 404, without a key', async (name) => {
    const res = await gw.http.get(`/openapi/${name}.json`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'NOT_FOUND', message: 'No such contract: use aitronos or zudu' } });
  });

  it.each(PROTOTYPE_NAMES)('answers %s as an id with 404 in each dialect', async (name) => {
    const v1 = await gw.http.get(`/v1/mcp-configurations/${name}`).set('X-API-Key', aitronosKey);
    expect(v1.status).toBe(404);
    expect(v1.body.error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    for (const path of [`/api/mcp-servers/${name}`, `/api/secrets/${name}`]) {
      const api = await gw.http.get(path).set(zudu);
      expect(api.status).toBe(404);
      expect(api.body).toMatchObject({ status: 'error', message: expect.stringMatching(/not found$/) });
    }
    const route = await gw.http.get(`/api/${name}`).set(zudu);
    expect(route.status).toBe(404);
    expect(route.body).toEqual({ message: 'Not found', status: 'error', error: 'No such route', request_id: expect.any(String) });
    const outside = await gw.http.get(`/${name}`);
    expect(outside.status).toBe(404);
  });

  it.each(PROTOTYPE_NAMES)('refuses %s as an enumerated value with a 4xx naming the field, in each dialect', async (name) => {
    const v1 = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', aitronosKey)
      .send(aitronosCreateBody('org_proto', { auth_type: name }));
    expect(v1.status).toBe(422);
    expect(v1.body.error.details.field).toBe('auth_type');
    const transport = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ transport: name }) });
    expect(transport.status).toBe(400);
    expect(transport.body.error).toMatch(/transport/);
    const sort = await gw.http.get('/api/mcp-servers').query({ sort: name }).set(zudu);
    expect(sort.status).toBe(400);
    expect(sort.body.error).toMatch(/sort/);
  });

  it('stores and masks request headers named like prototype members, as any other name', async () => {
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: zuduConfig({ name: 'proto-headers', request_headers: { constructor: 'a', toString: 'b', hasOwnProperty: 'c' } }) });
    expect(res.status).toBe(200);
    const read = await gw.http.get(`/api/mcp-servers/${res.body.data.id}`).set(zudu);
    expect(read.body.data.request_headers).toEqual({ constructor: '********', toString: '********', hasOwnProperty: '********' });
  });

  it('refuses a request header named __proto__ with 400 naming it, instead of dropping it silently, and stores nothing', async () => {
    const name = `proto-dunder-${Date.now()}`;
    // A raw body: JSON.stringify would not write an own __proto__ key from an object literal.
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .set('Content-Type', 'application/json')
      .send(`{"config":{"url":"https://proto.example.com/mcp","name":"${name}","request_headers":{"__proto__":"value"}}}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^config\.request_headers\.__proto__ /);
    const list = await gw.http.get('/api/mcp-servers').query({ search: name }).set(zudu);
    expect(list.body.data.total_count).toBe(0);
  });
});
