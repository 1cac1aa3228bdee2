import { startHttpServer } from '../support/mcp-servers';
import { createViaAitronos } from '../support/mcp-endpoint';
import { startProtectedMcpServer } from '../support/oauth-world';
import { OAuthTestbed } from '../support/oauth-testbed';
import type { TestGateway } from '../support/test-gateway';
import { type FakeAs, followAuthorize, startFakeAs } from '../support/scripted-authorization-server';

/** A hostile tenant (another org, or a member of this one) against the OAuth routes. */

const ORG = 'org_t_a';
const OTHER = 'org_t_b';
let gw: TestGateway;
let admin: { key: string };
let as: FakeAs;
let bed: OAuthTestbed;

beforeAll(async () => {
  bed = await OAuthTestbed.start(ORG, 'http://gateway.test', { dns: { 'public-meta.test': ['93.184.216.34'], 'looks-public.test': ['127.0.0.3'] } });
  gw = bed.gw;
  admin = { key: bed.adminKey };
  as = await startFakeAs();
  bed.onClose(() => as.close());
});
afterAll(() => bed.close());

const createServer = (url: string, body: Record<string, unknown> = {}, key = admin.key, org = ORG) => createViaAitronos(gw, key, org, url, body);
const connect = (id: string, key = admin.key) => bed.consentScripted(id, key);

async function whoamiOrError(id: string, key: string): Promise<string> {
  const agent = await bed.agent(id, key);
  try {
    const r = await agent.callTool({ name: 'whoami', arguments: {} });
    return (r.content as Array<{ text: string }>)[0]!.text;
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

describe('another organization', () => {
  it('cannot connect, see or disconnect an org A server, in either dialect (404)', async () => {
    const mcp = await startProtectedMcpServer({ authorizationServer: as });
    bed.onClose(() => mcp.close());
    const id = await createServer(mcp.url);
    expect((await connect(id)).status).toBe(200);
    const stranger = await gw.aitronosKey({ orgs: [OTHER], role: 'admin', userId: 'usr_mallory' });
    const zStranger = await gw.zuduKey(OTHER, { role: 'admin' });
    expect((await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', stranger.key).send({})).status).toBe(404);
    expect((await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', stranger.key)).status).toBe(404);
    expect((await gw.http.delete(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', stranger.key)).status).toBe(404);
    expect((await gw.http.post(`/api/mcp-servers/${id}/oauth/connect`).set(zStranger.headers).send({})).status).toBe(404);
    expect((await gw.http.get(`/api/mcp-servers/${id}/oauth`).set(zStranger.headers)).status).toBe(404);
    expect((await gw.http.delete(`/api/mcp-servers/${id}/oauth`).set(zStranger.headers)).status).toBe(404);
    // Still connected.
    expect((await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key)).body.connected).toBe(true);
  });

  it("a member cannot disconnect the organization's grant (403), nor start an org consent", async () => {
    const mcp = await startProtectedMcpServer({ authorizationServer: as });
    bed.onClose(() => mcp.close());
    const id = await createServer(mcp.url);
    expect((await connect(id)).status).toBe(200);
    const member = await gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_bob' });
    expect((await gw.http.delete(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', member.key)).status).toBe(403);
    expect((await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', member.key).send({})).status).toBe(403);
  });
});

describe('per-user vs organization', () => {
  it("a member's per-user grant does not become the organization's when per_user is turned off", async () => {
    const mcp = await startProtectedMcpServer({ authorizationServer: as });
    bed.onClose(() => mcp.close());
    const id = await createServer(mcp.url, { auth_type: 'oauth', credentials: { grant_type: 'authorization_code', per_user: true } });
    const bob = await gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_bob2' });
    const carol = await gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_carol2' });
    expect((await connect(id, bob.key)).status).toBe(200);
    const before = mcp.authorizations.length;
    const patched = await gw.http
      .patch(`/v1/mcp-configurations/${id}`)
      .set('X-API-Key', admin.key)
      .send({ credentials: { grant_type: 'authorization_code', per_user: false } });
    expect(patched.status).toBe(200);
    const said = await whoamiOrError(id, carol.key);
    expect(said).not.toContain('account=');
    // No bearer token at all reached the upstream for carol.
    expect(mcp.authorizations.slice(before).filter((a) => a.startsWith('Bearer '))).toEqual([]);
    // Bob's tokens went with the per-user marking.
    expect(await gw.services.db.knex('oauth_grants').where({ server_id: id })).toEqual([]);
  });

  it('a member cannot hand the org an upstream account via a per-user flow completed after the admin turns per_user off', async () => {
    const mcp = await startProtectedMcpServer({ authorizationServer: as });
    bed.onClose(() => mcp.close());
    const id = await createServer(mcp.url, { auth_type: 'oauth', credentials: { grant_type: 'authorization_code', per_user: true } });
    const bob = await gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_bob3' });
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', bob.key).send({});
    const back = await followAuthorize(started.body.authorizationUrl);
    await gw.http
      .patch(`/v1/mcp-configurations/${id}`)
      .set('X-API-Key', admin.key)
      .send({ credentials: { grant_type: 'authorization_code', per_user: false } });
    // The page asks Bob to confirm; he does.
    const page = await gw.http.get(`${back.pathname}${back.search}`);
    expect(page.text).toContain('to the gateway user usr_bob3');
    const fields = Object.fromEntries(
      [...page.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1]!,
        m[2]!.replace(/&#(\d+);/g, (_x, c: string) => String.fromCharCode(Number(c))),
      ]),
    );
    // The server is no longer per user: a user's consent no longer fits it, and nothing is stored.
    const confirmed = await gw.http.post('/oauth/callback').type('form').send(fields);
    expect(confirmed.status).toBe(400);
    expect(confirmed.text).toContain('now authenticates another way');
    const grants = await gw.services.db.knex('oauth_grants').where({ server_id: id });
    expect(grants).toEqual([]);
    expect((await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key)).body.connected).toBe(false);
  });

  it("a key without a user cannot see another user's per-user status", async () => {
    const mcp = await startProtectedMcpServer({ authorizationServer: as });
    bed.onClose(() => mcp.close());
    const id = await createServer(mcp.url, { auth_type: 'oauth', credentials: { grant_type: 'authorization_code', per_user: true } });
    const userless = await gw.zuduKey(ORG, { role: 'admin' });
    const view = await gw.http.get(`/api/mcp-servers/${id}/oauth`).set(userless.headers);
    expect(view.status).toBe(200);
    expect(view.body.data.connected).toBe(false);
  });
});

describe('SSRF through discovery', () => {
  it('a resource_metadata URL that redirects to a loopback address that is not allowed is refused', async () => {
    const internalHits: string[] = [];
    const internal = await startHttpServer((req, res) => {
      internalHits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource: 'x', authorization_servers: ['http://127.0.0.1:1'] }));
    }, '127.0.0.3');
    bed.onClose(() => internal.close());
    const upstream = await startHttpServer((req, res) => {
      const origin = `http://127.0.0.1:${upstream.port}`;
      if (req.url?.startsWith('/meta')) {
        res.writeHead(302, { location: `http://looks-public.test:${internal.port}/latest/meta-data` }).end();
        return;
      }
      if (req.url?.startsWith('/.well-known/')) {
        res.writeHead(302, { location: `http://127.0.0.3:${internal.port}/wk` }).end();
        return;
      }
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${origin}/meta"` }).end();
    });
    bed.onClose(() => upstream.close());
    const id = await createServer(upstream.url);
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    expect(started.status).toBe(502);
    const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', admin.key);
    expect(tested.body.success).toBe(false);
    expect(internalHits).toEqual([]);
    // The message must not reveal the resolved address of looks-public.test.
    expect(JSON.stringify([started.body, tested.body])).not.toContain('127.0.0.3');
  });

  it('authorization_servers naming a host that resolves to a public address is attempted only through the guard (no crash, 502)', async () => {
    const upstream = await startHttpServer((req, res) => {
      const origin = `http://127.0.0.1:${upstream.port}`;
      if (req.url?.startsWith('/.well-known/oauth-protected-resource')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ resource: `${origin}/mcp`, authorization_servers: ['http://[::ffff:169.254.169.254]/'] }));
        return;
      }
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` }).end();
    });
    bed.onClose(() => upstream.close());
    const id = await createServer(upstream.url);
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    expect(started.status).toBe(502);
  });
});
