import fc from 'fast-check';
import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Hostile requests against every route of both dialects: malformed and truncated JSON, wrong
 * types, huge strings and arrays, deep nesting, prototype keys, Unicode edge cases, SQL and
 * path metacharacters, oversized ids, odd content types, duplicated and oversized headers.
 * Each must get a 4xx in its dialect's envelope or a documented success, never a 5xx or a
 * hang, and a rejected request must leave the database exactly as it was.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);

let gw: TestGateway;
let aitronosKey: string;
let zudu: Record<string, string>;
let serverId: string;
const secretId = 'secret_fuzz';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key: aitronosKey } = await gw.aitronosKey({ orgs: ['org_fuzz'] }));
  ({ headers: zudu } = await gw.zuduKey('org_fuzz'));
  serverId = (await gw.http.post('/v1/mcp-configurations').set('X-API-Key', aitronosKey).send(aitronosCreateBody('org_fuzz'))).body.id;
  await gw.http.post('/api/secrets').set(zudu).send({ secret_id: secretId, name: 'fuzz', value: 'fuzz-value' });
  await gw.http.post(`/api/mcp-servers/${serverId}/tool-approvals`).set(zudu).send({ tool_name: 'fuzz_tool' });
});
afterAll(() => gw.close());

const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    '\ud800',
    '\udfff',
    '\u202e\u202d',
    '😀'.repeat(10),
    'ﬃ',
    'İ',
    "'; DROP TABLE mcp_servers; --",
    '" OR 1=1 --',
    '%',
    '_',
    '\\',
    '../../etc/passwd',
    '..%2F..%2F',
    '%00',
    `mcp_${'a'.repeat(400)}`,
    '__proto__',
    'constructor',
    'prototype',
    'null',
    'undefined',
    'NaN',
    '1e309',
    'https://x',
    'ftp://x',
    'javascript:alert(1)',
    'http://user:pw@x',
    '*',
    'SSE',
    'bearer',
    'stdio',
  ),
  fc.constant('x'.repeat(70_000)),
);
const weird: fc.Arbitrary<unknown> = fc.oneof(
  nasty,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(nasty, { maxLength: 5 }),
  fc.constant(Array.from({ length: 3000 }, (_, i) => i)),
  fc.dictionary(nasty, nasty, { maxKeys: 4 }),
  fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}')),
  fc.constant(JSON.parse('['.repeat(3000) + ']'.repeat(3000))),
);

/** A valid body with some fields replaced, dropped or added: what reaches deepest. */
const mutated = (base: () => Record<string, unknown>) =>
  fc
    .tuple(fc.dictionary(fc.oneof(fc.constantFrom(...Object.keys(base()), 'credentials', 'config', 'extra'), nasty), weird, { maxKeys: 3 }), fc.boolean())
    .map(([changes, wrap]) => {
      const body = { ...base(), ...changes };
      return wrap ? { config: body } : body;
    });

const body = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 4, arbitrary: mutated(() => aitronosCreateBody('org_fuzz')) },
  { weight: 4, arbitrary: mutated(() => ({ config: zuduConfig() })) },
  { weight: 2, arbitrary: mutated(() => ({ name: 'n', value: 'v', secret_id: 'secret_x' })) },
  { weight: 1, arbitrary: fc.constantFrom('{"name": "x",', '{', '[', 'nul', '{"a":1}{"b":2}', '\u0000', '{"name":"\\ud800"}') },
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/json; charset=utf-16',
  'multipart/form-data; boundary=x',
  '',
);
/** Every byte percent-encoded (a lone surrogate becomes U+FFFD's bytes). */
const percentEncode = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
// Path ids, already encoded: a real id, anything at all, and raw invalid UTF-8 and traversal forms.
const id = fc.oneof(
  fc.constant(() => serverId),
  nasty.map((text) => () => percentEncode(text)),
  fc.constantFrom('%ED%A0%80', '%FF%FE', '%C0%AF', '..%2F..%2Fetc%2Fpasswd', '%2e%2e/%2e%2e/', 'mcp_%00', '.', '..').map((raw) => () => raw),
);

interface Route {
  dialect: 'aitronos' | 'zudu';
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: (pathId: string) => string;
}
const ROUTES: Route[] = [
  { dialect: 'aitronos', method: 'get', path: () => '/v1/mcp-configurations' },
  { dialect: 'aitronos', method: 'post', path: () => '/v1/mcp-configurations' },
  { dialect: 'aitronos', method: 'get', path: (i) => `/v1/mcp-configurations/${i}` },
  { dialect: 'aitronos', method: 'put', path: (i) => `/v1/mcp-configurations/${i}` },
  { dialect: 'aitronos', method: 'patch', path: (i) => `/v1/mcp-configurations/${i}` },
  { dialect: 'aitronos', method: 'delete', path: (i) => `/v1/mcp-configurations/${i}` },
  { dialect: 'aitronos', method: 'post', path: (i) => `/v1/mcp-configurations/${i}/test` },
  { dialect: 'zudu', method: 'post', path: () => '/api/mcp-servers' },
  { dialect: 'zudu', method: 'get', path: () => '/api/mcp-servers' },
  { dialect: 'zudu', method: 'post', path: () => '/api/mcp-servers/validate-url' },
  { dialect: 'zudu', method: 'get', path: (i) => `/api/mcp-servers/${i}` },
  { dialect: 'zudu', method: 'patch', path: (i) => `/api/mcp-servers/${i}` },
  { dialect: 'zudu', method: 'delete', path: (i) => `/api/mcp-servers/${i}` },
  { dialect: 'zudu', method: 'patch', path: (i) => `/api/mcp-servers/${i}/approval-policy` },
  { dialect: 'zudu', method: 'post', path: (i) => `/api/mcp-servers/${i}/tool-approvals` },
  { dialect: 'zudu', method: 'delete', path: (i) => `/api/mcp-servers/${i}/tool-approvals/fuzz_tool` },
  { dialect: 'zudu', method: 'get', path: (i) => `/api/mcp-servers/${i}/tools` },
  { dialect: 'zudu', method: 'post', path: () => '/api/secrets' },
  { dialect: 'zudu', method: 'get', path: () => '/api/secrets' },
  { dialect: 'zudu', method: 'get', path: () => `/api/secrets/${secretId}` },
  { dialect: 'zudu', method: 'patch', path: () => `/api/secrets/${secretId}` },
  { dialect: 'zudu', method: 'delete', path: () => `/api/secrets/${secretId}` },
];

const query = fc.dictionary(fc.constantFrom('organization_id', 'type', 'is_active', 'limit', 'offset', 'page', 'sort', 'order', 'search', 'x'), nasty, {
  maxKeys: 3,
});
const auth = fc.constantFrom('valid', 'valid', 'valid', 'none', 'wrong', 'duplicated', 'oversized', 'other dialect');

async function fingerprint(): Promise<string> {
  const k = gw.services.db.knex;
  const rows = await Promise.all([
    k('mcp_servers').count({ n: '*' }).max({ u: 'updated_at' }).whereNull('deleted_at'),
    k('mcp_servers').count({ n: '*' }).whereNotNull('deleted_at'),
    k('secrets').count({ n: '*' }).max({ u: 'updated_at' }),
    k('api_keys').count({ n: '*' }),
  ]);
  return JSON.stringify(rows);
}

describe(`fuzzing every route of both dialects (${RUNS} requests)`, () => {
  it('answers every hostile request with a 4xx in its dialect’s envelope or a documented success, and rejected ones change nothing', async () => {
    let before = await fingerprint();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), id, body, contentType, query, auth, async (route, pathId, payload, type, params, how) => {
        const path = route.path(pathId());
        let req = gw.http[route.method](path).query(params).timeout({ response: 10_000, deadline: 15_000 });
        const validHeaders = route.dialect === 'aitronos' ? { 'X-API-Key': aitronosKey } : zudu;
        if (how === 'valid') req = req.set(validHeaders);
        if (how === 'wrong') req = req.set({ 'X-API-Key': 'ak_wrong', 'X-API-SECRET': 's3cr3t_wrong' });
        // An array becomes the same header sent twice.
        if (how === 'duplicated')
          req = req.set('X-API-Key', [aitronosKey, 'ak_other'] as unknown as string).set('X-API-SECRET', [zudu['X-API-SECRET']!, 'x'] as unknown as string);
        if (how === 'oversized') req = req.set({ ...validHeaders, 'X-Padding': 'p'.repeat(8000) });
        if (how === 'other dialect') req = req.set(route.dialect === 'aitronos' ? zudu : { 'X-API-Key': aitronosKey });
        if (route.method !== 'get' && route.method !== 'delete') {
          if (type) req = req.set('Content-Type', type);
          req = req.send(typeof payload === 'string' ? payload : JSON.stringify(payload));
        }
        const res = await req;
        const documented502 = res.status === 502 && path.endsWith('/tools');
        expect({ path, status: res.status }).toEqual({ path, status: documented502 ? 502 : expect.any(Number) });
        expect(res.status < 500 || documented502).toBe(true);
        expect(res.text).not.toMatch(/\n\s+at .+\(.*:\d+:\d+\)/);
        if (res.status >= 400) {
          if (route.dialect === 'aitronos')
            expect(res.body).toMatchObject({ success: false, error: { code: expect.stringMatching(/^[A-Z_]+$/), status: res.status } });
          else expect(res.body).toMatchObject({ status: 'error', message: expect.any(String), error: expect.any(String) });
          const after = await fingerprint();
          expect({ path, status: res.status, database: after }).toEqual({ path, status: res.status, database: before });
        } else {
          before = await fingerprint();
        }
      }),
      { numRuns: RUNS },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await gw.http.get('/healthz')).status).toBe(200);
    expect((await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_fuzz' }).set('X-API-Key', aitronosKey)).status).toBe(200);
  }, 600_000);
});
