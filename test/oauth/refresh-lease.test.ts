import { twinOf } from '../support/oauth-testbed';
import { startProtectedMcpServer } from '../support/oauth-world';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { type FakeAs, followAuthorize, startFakeAs } from '../support/scripted-authorization-server';

/** The refresh lease: a refresher that crashed, step-up during a refresh, and absurd expiry on each engine. */

const ORG = 'org_lease';
let gw: TestGateway;
let admin: { key: string };
let as: FakeAs;
const cleanups: Array<() => Promise<void>> = [];
let refreshes = 0;
let expiresIn = 1;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', publicUrl: 'http://gateway.test', oauth: { refreshLeaseMs: 1500, timeoutMs: 3000 } });
  admin = await gw.aitronosKey({ orgs: [ORG], role: 'admin', userId: 'usr_alice' });
  as = await startFakeAs({
    token: (form, issue) => {
      if (form.get('grant_type') === 'refresh_token') refreshes += 1;
      return {
        body: {
          ...issue(form.get('resource')),
          token_type: 'Bearer',
          expires_in: form.get('grant_type') === 'refresh_token' ? expiresIn : 1,
          scope: 'mcp:read',
        },
      };
    },
  });
  cleanups.push(() => as.close());
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await gw.close();
});

async function connected(): Promise<string> {
  const mcp = await startProtectedMcpServer({ authorizationServer: as });
  cleanups.push(() => mcp.close());
  const created = await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', admin.key)
    .send({
      organization_id: ORG,
      name: `l-${Math.random().toString(36).slice(2)}`,
      server_url: mcp.url,
      transport_type: 'streamable_http',
      auth_type: 'none',
    });
  const id = created.body.id as string;
  const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
  const back = await followAuthorize(started.body.authorizationUrl);
  expect((await gw.http.get(`${back.pathname}${back.search}`)).status).toBe(200);
  return id;
}

it('a refresher that crashed holding the lease delays others only until the lease ends; then exactly one refresh', async () => {
  expiresIn = 3600;
  const id = await connected();
  // The first token lives 1 s: half way through, it is due.
  await new Promise((resolve) => setTimeout(resolve, 600));
  const now = Date.now();
  // Another instance claimed the lease and died.
  await gw.services.db
    .knex('oauth_grants')
    .where({ server_id: id })
    .update({ refreshing_until: now + 1500 });
  const record = (await gw.services.store.servers.findById(id))!;
  const twin = twinOf(gw.services.oauth);
  const before = refreshes;
  const handles = await Promise.all([gw.services.oauth, twin].map((s) => s.grantFor(record, null)));
  const started = Date.now();
  const tokens = await Promise.all([...handles, ...handles].map((h) => h.token()));
  expect(Date.now() - started).toBeGreaterThanOrEqual(800);
  expect(new Set(tokens).size).toBe(1);
  expect(refreshes).toBe(before + 1);
});

it('a step-up recorded while a refresh is under way survives the refresh', async () => {
  const id = await connected();
  const record = (await gw.services.store.servers.findById(id))!;
  const grant = await gw.services.oauth.grantFor(record, null);
  const pending = grant.token();
  await grant.insufficientScope('mcp:write');
  await pending;
  const status = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
  expect(status.status).toBe(200);
  expect(status.body.neededScope).toContain('mcp:write');
});
