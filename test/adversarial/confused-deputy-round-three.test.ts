import { startHttpServer, type Listening } from '../support/mcp-servers';
import { adminAndMember, type RecordingUpstream, startRecordingUpstream } from '../support/confused-deputy';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Round three: a member key tries to get an admin's credential delivered to a URL it chooses.
 * `legit` is the upstream the admin trusts; it has an ordinary open redirect (`/go?to=…`), as
 * many real hosts do. `attacker` is the member's own upstream and records every request.
 */
const ORG = 'org_round_three';
const ADMIN_HEADER = 'admin-header-value-r3-41c9';
const ADMIN_API_KEY = 'admin-api-key-r3-77ad';

let gw: TestGateway;
let attacker: RecordingUpstream;
let legit: Listening;

let adminKey: string;
let adminZudu: Record<string, string>;
let memberKey: string;
let memberZudu: Record<string, string>;

const asAdmin = (req: ReturnType<TestGateway['http']['get']>) => req.set('X-API-Key', adminKey);
const asMember = (req: ReturnType<TestGateway['http']['get']>) => req.set('X-API-Key', memberKey);

beforeAll(async () => {
  attacker = await startRecordingUpstream();
  legit = await startHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const to = url.searchParams.get('to');
    if (url.pathname === '/go' && to) res.writeHead(307, { Location: to }).end();
    else if (url.pathname === '/sse-elsewhere') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
      res.write(`event: endpoint\ndata: ${attacker.url}\n\n`);
      setTimeout(() => res.end(), 500);
    } else if (url.pathname === '/token')
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"access_token":"idp-access-token-r3","token_type":"Bearer"}');
    else res.writeHead(401).end();
  });
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  ({ adminKey, adminZudu, memberKey, memberZudu } = await adminAndMember(gw, ORG, { admin: 'usr_admin3', member: 'usr_member3' }));
});

afterAll(async () => {
  await gw.close();
  await attacker.close();
  await legit.close();
});

const deliveredToAttacker = () => attacker.delivered();

describe('a same-origin path change that the upstream redirects elsewhere', () => {
  it.each(['STREAMABLE_HTTP', 'SSE'])("never carries an admin's request-header value to the member's upstream (Zudu, %s)", async (transport) => {
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(memberZudu)
      .send({ config: { url: legit.url, name: `member r3 ${transport}`, transport: 'STREAMABLE_HTTP' } });
    expect(created.status).toBe(200);
    const own = created.body.data.id as string;
    // The admin puts its own header value on the member's server, for the admin-trusted origin.
    const byAdmin = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(adminZudu)
      .send({ config: { request_headers: { 'X-Admin-Token': ADMIN_HEADER } } });
    expect(byAdmin.status).toBe(200);
    // Moving the origin is refused (covered elsewhere) ...
    expect(
      (
        await gw.http
          .patch(`/api/mcp-servers/${own}`)
          .set(memberZudu)
          .send({ config: { url: attacker.url } })
      ).status,
    ).toBe(403);
    // ... but a path change on the same origin is "always allowed", and the probe follows redirects.
    const target = `${new URL(legit.url).origin}/go?to=${encodeURIComponent(attacker.url)}`;
    const path = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: target, transport } });
    expect(path.status).toBe(200);
    const probe = await gw.http.get(`/api/mcp-servers/${own}/tools`).set(memberZudu);
    // Today the SDK refuses a cross-origin redirect (redirectPolicy same-origin): this holds.
    expect(probe.body.error).toMatch(/redirects are followed only within the same origin/);
    expect(deliveredToAttacker()).not.toContain(ADMIN_HEADER);
  });

  it("never carries an admin's API key (Aitronos api_key auth) to the member's upstream", async () => {
    const created = await asMember(gw.http.post('/v1/mcp-configurations')).send({
      name: 'member r3 api key',
      organization_id: ORG,
      server_url: legit.url,
      transport_type: 'streamable_http',
      auth_type: 'api_key',
      credentials: { api_key: 'member-own-key-r3' },
    });
    expect(created.status).toBe(201);
    const own = created.body.id as string;
    expect((await asAdmin(gw.http.put(`/v1/mcp-configurations/${own}`)).send({ credentials: { api_key: ADMIN_API_KEY } })).status).toBe(200);
    expect((await asMember(gw.http.patch(`/v1/mcp-configurations/${own}`)).send({ server_url: attacker.url })).status).toBe(403);
    const target = `${new URL(legit.url).origin}/go?to=${encodeURIComponent(attacker.url)}`;
    expect((await asMember(gw.http.patch(`/v1/mcp-configurations/${own}`)).send({ server_url: target })).status).toBe(200);
    await asMember(gw.http.post(`/v1/mcp-configurations/${own}/test`));
    expect(deliveredToAttacker()).not.toContain(ADMIN_API_KEY);
  });
});

const ADMIN_CLIENT_SECRET = 'admin-oauth-client-secret-r3-e5f0';

describe('an SSE endpoint event naming another origin', () => {
  it("never posts an admin's request-header value to the endpoint's origin", async () => {
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(memberZudu)
      .send({ config: { url: legit.url, name: 'member r3 sse endpoint', transport: 'STREAMABLE_HTTP' } });
    const own = created.body.data.id as string;
    await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(adminZudu)
      .send({ config: { request_headers: { 'X-Admin-Token': ADMIN_HEADER } } });
    const moved = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: `${new URL(legit.url).origin}/sse-elsewhere`, transport: 'SSE', request_headers: { 'X-Admin-Token': '********' } } });
    expect(moved.status).toBe(200);
    const probe = await gw.http.get(`/api/mcp-servers/${own}/tools`).set(memberZudu);
    expect(JSON.stringify(probe.body)).toMatch(/origin/i);
    expect(deliveredToAttacker()).not.toContain(ADMIN_HEADER);
  });
});

describe("an admin's OAuth client-credentials config on a member's server", () => {
  it("never sends the admin's client secret anywhere but the token_url the admin chose (Zudu secret_token naming the server's own inline secret)", async () => {
    // The member's MCP server lives on the member's upstream; the admin gives it the
    // organization's OAuth client, whose secret must only ever go to the IdP's token_url.
    const created = await asMember(gw.http.post('/v1/mcp-configurations')).send({
      name: 'member r3 oauth',
      organization_id: ORG,
      server_url: attacker.url,
      transport_type: 'streamable_http',
      auth_type: 'oauth',
      credentials: { client_id: 'member-client', client_secret: 'member-client-secret-r3', token_url: `${legit.url}/token` },
    });
    expect(created.status).toBe(201);
    const own = created.body.id as string;
    const byAdmin = await asAdmin(gw.http.put(`/v1/mcp-configurations/${own}`)).send({
      credentials: { client_id: 'org-client', client_secret: ADMIN_CLIENT_SECRET, token_url: `${new URL(legit.url).origin}/token` },
    });
    expect(byAdmin.status).toBe(200);
    // The admin's access token reaching the member's server is what the admin chose; not the client secret.
    // Step 1: a refused move does not name the admin's secret id (the member cannot list it).
    const secretId = ((await gw.services.store.servers.findById(own))!.auth as { secretId: string }).secretId;
    const refused = await asMember(gw.http.patch(`/v1/mcp-configurations/${own}`)).send({ server_url: legit.url });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain(secretId);
    // Step 2: even knowing the id, re-attaching it as a bearer secret_token is a new attachment.
    const convert = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { secret_token: { secret_id: secretId } } });
    // Step 3: test; the client secret now goes as `Authorization: Bearer` to the server URL.
    await gw.http.get(`/api/mcp-servers/${own}/tools`).set(memberZudu);
    expect({ convert: convert.status, delivered: deliveredToAttacker().includes(ADMIN_CLIENT_SECRET) }).toEqual({ convert: 403, delivered: false });
  });
});

describe('secret ids of other users', () => {
  it("refuses a member's create under another user's secret id with 409 (ids are one namespace per organization), revealing nothing of that secret and leaving it unchanged", async () => {
    await gw.http.post('/api/secrets').set(adminZudu).send({ secret_id: 'secret_admin_hidden_r3', name: 'Admin hidden', value: 'admin-hidden-r3' });
    expect((await gw.http.get('/api/secrets/secret_admin_hidden_r3').set(memberZudu)).status).toBe(404);
    const taken = await gw.http.post('/api/secrets').set(memberZudu).send({ secret_id: 'secret_admin_hidden_r3', name: 'guess', value: 'x-value-r3' });
    expect(taken.status).toBe(409);
    expect(JSON.stringify(taken.body)).not.toMatch(/Admin hidden|admin-hidden-r3|usr_/);
    const still = await gw.http.get('/api/secrets/secret_admin_hidden_r3').set(adminZudu);
    expect(still.body.data.name).toBe('Admin hidden');
  });
});
