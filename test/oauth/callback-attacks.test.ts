import { startProtectedMcpServer } from '../support/oauth-world';
import { OAuthTestbed } from '../support/oauth-testbed';
import type { TestGateway } from '../support/test-gateway';
import { followAuthorize, startFakeAs } from '../support/scripted-authorization-server';

/** The unauthenticated callback, attacked from the browser side. */

const ORG = 'org_cb';
let gw: TestGateway;
let admin: { key: string };
let bed: OAuthTestbed;

beforeAll(async () => {
  bed = await OAuthTestbed.start(ORG, 'http://gateway.test');
  gw = bed.gw;
  admin = { key: bed.adminKey };
});
afterAll(() => bed.close());

const createServer = (...args: Parameters<OAuthTestbed['createServer']>) => bed.createServer(...args);

async function fakeWorld() {
  const as = await startFakeAs();
  const mcp = await startProtectedMcpServer({ authorizationServer: as });
  bed.onClose(() => as.close());
  bed.onClose(() => mcp.close());
  return { as, mcp, id: await createServer(mcp.url) };
}

const serverErrors = (from: number) => gw.logs.slice(from).filter((l) => /"level":50|"status":5\d\d/.test(l));

describe('callback parameters', () => {
  it('a duplicated state (state=a&state=b) is refused as missing state, not a 500', async () => {
    const { id } = await fakeWorld();
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const back = await followAuthorize(started.body.authorizationUrl);
    const q = new URLSearchParams(back.search);
    q.append('state', 'second');
    const res = await gw.http.get(`/oauth/callback?${q}`);
    expect(res.status).toBe(400);
    // The genuine callback still works afterwards (the duplicate burnt nothing).
    expect((await gw.http.get(`${back.pathname}${back.search}`)).status).toBe(200);
  });

  it('nested/array query syntax (state[x]=1, code[]=...) is refused, not a 500', async () => {
    const mark = gw.logs.length;
    for (const q of ['state[a]=1&code=x', 'state=abc&code[]=1&code[]=2', 'state=abc&iss[x]=y', 'error[a]=b&state=c']) {
      const res = await gw.http.get(`/oauth/callback?${q}`);
      expect(res.status).toBe(400);
    }
    expect(serverErrors(mark)).toEqual([]);
  });

  it('very long parameters (12 KB) are refused cleanly', async () => {
    const mark = gw.logs.length;
    const res = await gw.http.get(`/oauth/callback?state=${'a'.repeat(12_000)}&code=${'b'.repeat(2000)}`);
    expect([400, 414, 431]).toContain(res.status);
    expect(serverErrors(mark)).toEqual([]);
  });

  it('HTML in error on a real flow is neither reflected raw nor a 500', async () => {
    const { id } = await fakeWorld();
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const state = new URL(started.body.authorizationUrl).searchParams.get('state')!;
    const iss = new URL(started.body.authorizationUrl).origin;
    const res = await gw.http.get('/oauth/callback').query({ state, iss, error: '"><script>alert(document.domain)</script>' });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain('<script>');
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });

  it('the callback page cannot be framed (clickjacking of the consent)', async () => {
    const res = await gw.http.get('/oauth/callback?state=x');
    // helmet sets these for the app; the page must not be frameable for clickjacking of the connect flow.
    expect(res.headers['x-frame-options'] ?? res.headers['content-security-policy']).toBeDefined();
  });

  it('two concurrent callbacks with one state: one 200, one 400, one code exchange, one grant', async () => {
    const { as, id } = await fakeWorld();
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const back = await followAuthorize(started.body.authorizationUrl);
    const path = `${back.pathname}${back.search}`;
    const results = await Promise.all(Array.from({ length: 6 }, () => gw.http.get(path)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400, 400, 400]);
    expect(as.tokenRequests.length).toBe(1);
    expect((await gw.services.db.knex('oauth_grants').where({ server_id: id })).length).toBe(1);
  });

  it('a callback for a flow whose server was deleted meanwhile: 400, no token exchange', async () => {
    const { as, id } = await fakeWorld();
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const back = await followAuthorize(started.body.authorizationUrl);
    expect((await gw.http.delete(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key)).status).toBe(204);
    const res = await gw.http.get(`${back.pathname}${back.search}`);
    expect(res.status).toBe(400);
    expect(as.tokenRequests.length).toBe(0);
    expect((await gw.services.db.knex('oauth_grants').where({ server_id: id })).length).toBe(0);
  });
});

describe('where consents come back to', () => {
  it('refuses a consent that comes back after its lifetime (MCP_GATEWAY flows last 10 minutes; here 300 ms)', async () => {
    const quick = await OAuthTestbed.start('org_cb_quick', 'http://gateway.test', { oauth: { flowTtlMs: 300 } });
    try {
      const as = await startFakeAs();
      const mcp = await startProtectedMcpServer({ authorizationServer: as });
      quick.onClose(() => as.close());
      quick.onClose(() => mcp.close());
      const id = await quick.createServer(mcp.url);
      const started = await quick.gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', quick.adminKey).send({});
      const back = await followAuthorize(started.body.authorizationUrl);
      await new Promise((resolve) => setTimeout(resolve, 400));
      const page = await quick.gw.http.get(`${back.pathname}${back.search}`);
      expect(page.status).toBe(400);
      expect(page.text).toContain('has expired');
      expect(as.tokenRequests).toHaveLength(0);
    } finally {
      await quick.close();
    }
  });

  it('never takes the redirect URI from the Host header: without a public URL it is http://localhost:PORT', async () => {
    const local = await OAuthTestbed.start('org_cb_local', null);
    try {
      const as = await startFakeAs();
      const mcp = await startProtectedMcpServer({ authorizationServer: as });
      local.onClose(() => as.close());
      local.onClose(() => mcp.close());
      const id = await local.createServer(mcp.url);
      const started = await local.gw.http
        .post(`/v1/mcp-configurations/${id}/oauth/connect`)
        .set('X-API-Key', local.adminKey)
        .set('Host', 'attacker.example')
        .set('X-Forwarded-Host', 'attacker.example')
        .send({});
      expect(started.status).toBe(200);
      expect(new URL(started.body.authorizationUrl).searchParams.get('redirect_uri')).toBe('http://localhost:8080/oauth/callback');
    } finally {
      await local.close();
    }
  });
});
