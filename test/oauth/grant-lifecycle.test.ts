import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { gatewayUrl } from '../support/mcp-endpoint';
import { type AuthorizationServer, browserConsent, type ProtectedMcpServer } from '../support/oauth-world';
import { OAuthTestbed, twinOf } from '../support/oauth-testbed';
import { startHttpServer } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * What happens to an OAuth grant after the consent: each way the gateway registers itself,
 * refresh before expiry and after a 401, concurrent refreshes under refresh-token rotation,
 * step-up, revocation at the authorization server, disconnecting, per-user grants, and the
 * network guard on every discovery request. Against oidc-provider and an SDK-protected server.
 */

const ORG = 'org_grants';
const PUBLIC_URL = 'http://gateway.test';

let gw: TestGateway;
let admin: { key: string };
let bed: OAuthTestbed;

beforeAll(async () => {
  bed = await OAuthTestbed.start(ORG, PUBLIC_URL);
  gw = bed.gw;
  admin = { key: bed.adminKey };
});

afterAll(() => bed.close());

const world = (...args: Parameters<OAuthTestbed['world']>) => bed.world(...args);
const createServer = (...args: Parameters<OAuthTestbed['createServer']>) => bed.createServer(...args);
const connect = (...args: Parameters<OAuthTestbed['connect']>) => bed.connect(...args);
const probe = (...args: Parameters<OAuthTestbed['probe']>) => bed.probe(...args);
const call = (...args: Parameters<OAuthTestbed['call']>) => bed.call(...args);

const lastToken = (server: ProtectedMcpServer) =>
  server.authorizations
    .filter((a) => a.startsWith('Bearer '))
    .at(-1)!
    .slice('Bearer '.length);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('registering the gateway at the authorization server', () => {
  it('uses a client an operator registered beforehand (confidential, its secret stored like any other)', async () => {
    const { as, server } = await world({ dcr: false });
    const client = await as.preRegister({ redirect_uris: [`${PUBLIC_URL}/oauth/callback`] });
    const id = await createServer(server.url, {
      auth_type: 'oauth',
      credentials: { grant_type: 'authorization_code', client_id: client.client_id, client_secret: client.client_secret },
    });
    const started = await connect(id, 'alice');
    expect(started.clientRegistration).toBe('pre_registered');
    expect(new URL(started.authorizationUrl).searchParams.get('client_id')).toBe(client.client_id);
    expect((await probe(id)).success).toBe(true);
    expect(as.counts.registrations).toBe(0);
  });

  it('registers dynamically (RFC 7591) once per authorization server and reuses the registration for its other servers', async () => {
    const { as, server } = await world();
    const first = await createServer(server.url);
    const second = await createServer(server.url);
    expect((await connect(first, 'alice')).clientRegistration).toBe('dynamic_registration');
    expect((await connect(second, 'alice')).clientRegistration).toBe('dynamic_registration');
    expect(as.counts.registrations).toBe(1);
    expect((await probe(second)).success).toBe(true);
  });

  it('registers anew at another issuer: a server moved to a resource of another authorization server never reuses the first registration', async () => {
    const first = await world();
    const second = await world();
    const id = await createServer(first.server.url);
    await connect(id, 'alice');
    expect(first.as.counts.registrations).toBe(1);
    const moved = await gw.http.put(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key).send({ server_url: second.server.url });
    expect(moved.status).toBe(200);
    const started = await connect(id, 'alice');
    expect(started.issuer).toBe(second.as.issuer);
    expect(second.as.counts.registrations).toBe(1);
    expect(first.as.counts.registrations).toBe(1);
    expect(new URL(started.authorizationUrl).searchParams.get('client_id')).not.toBe(null);
    expect(await call(id, 'whoami')).toContain('account=alice');
  });

  it('serves a Client ID Metadata Document at its https address and uses it where the authorization server supports them', async () => {
    const httpsGateway = await startTestGateway({ allowedHosts: '127.0.0.1', publicUrl: 'https://gateway.example' });
    bed.onClose(() => httpsGateway.close());
    const key = await httpsGateway.aitronosKey({ orgs: [ORG], role: 'admin', userId: 'usr_alice' });
    const fetched: string[] = [];
    const { as, server } = await world({
      dcr: false,
      cimd: {
        // The authorization server fetches the document from the gateway (its public name mapped to the test's listener).
        fetchDocument: async (url) => {
          fetched.push(url);
          const document = await httpsGateway.http.get(new URL(url).pathname);
          expect(document.status).toBe(200);
          return document.body;
        },
      },
    });
    const id = await createServer(server.url, {}, key.key, httpsGateway);
    const started = await connect(id, 'alice', key.key, httpsGateway);
    expect(started.clientRegistration).toBe('metadata_document');
    expect(new URL(started.authorizationUrl).searchParams.get('client_id')).toBe('https://gateway.example/oauth/client-metadata.json');
    expect(fetched).toContain('https://gateway.example/oauth/client-metadata.json');
    expect((await probe(id, key.key, httpsGateway)).success).toBe(true);
    expect(as.counts.registrations).toBe(0);
    // An http gateway has no such document: a client_id must be an https URL.
    expect((await gw.http.get('/oauth/client-metadata.json')).status).toBe(404);
  });

  it('says which step fails when the authorization server offers no way to register and no client was given', async () => {
    const { server } = await world({ dcr: false });
    const id = await createServer(server.url);
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    expect(started.status).toBe(502);
    expect(started.body.error.message + started.body.error.system_message).toContain('client registration');
  });
});

describe('keeping a grant alive', () => {
  let as: AuthorizationServer;
  let server: ProtectedMcpServer;
  let id: string;
  beforeAll(async () => {
    // 4 s tokens: refreshed at half their life (the 60 s margin would refresh them on every use).
    ({ as, server } = await world({ accessTokenTtlSeconds: 4 }));
    id = await createServer(server.url);
    await connect(id, 'alice');
  });

  it('refreshes an access token that is about to expire before using it', async () => {
    const before = as.counts.refreshes;
    await sleep(2100);
    expect(await call(id, 'whoami')).toContain('account=alice');
    expect(as.counts.refreshes).toBe(before + 1);
  });

  it('refreshes once, for every caller on every instance, when many calls find the token expiring at once: the rotated grant survives', async () => {
    await sleep(2100);
    const before = as.counts.refreshes;
    const record = (await gw.services.store.servers.findById(id))!;
    // A second instance of the gateway's OAuth service over the same database, as another process would be.
    const twin = twinOf(gw.services.oauth);
    const handles = await Promise.all([gw.services.oauth, twin, gw.services.oauth, twin].map((service) => service.grantFor(record, null)));
    const tokens = await Promise.all([...handles, ...handles].map((h) => h.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(as.counts.refreshes).toBe(before + 1);
    expect(await as.verify(tokens[0]!)).not.toBeNull();
    // Rotation: a refresh sent twice with one refresh token would have ended the grant. The next one still works.
    await sleep(2100);
    expect((await probe(id)).success).toBe(true);
    expect(as.counts.grantsRevoked).toBe(0);
  });

  it('uses a fresh short-lived token as it is, without refreshing it on every use', async () => {
    await probe(id);
    const before = as.counts.refreshes;
    expect((await probe(id)).success).toBe(true);
    expect(await call(id, 'whoami')).toContain('account=alice');
    expect(as.counts.refreshes).toBe(before);
  });
});

describe('a grant the upstream turns down', () => {
  let as: AuthorizationServer;
  let server: ProtectedMcpServer;
  let id: string;
  beforeAll(async () => {
    ({ as, server } = await world());
    id = await createServer(server.url);
    await connect(id, 'alice');
    await probe(id);
  });

  it('renews the token when the upstream answers 401, and sends the request again', async () => {
    const token = lastToken(server);
    const found = await as.provider.AccessToken.find(token);
    await found!.destroy();
    const before = as.counts.refreshes;
    expect((await probe(id)).success).toBe(true);
    expect(as.counts.refreshes).toBe(before + 1);
  });

  it('asks for the union of the scopes when a call needs more (step-up), and the new consent lets it through', async () => {
    const refused = await bed.agent(id, admin.key);
    const error = await refused.callTool({ name: 'admin_action', arguments: {} }).catch((e: { code?: number; message: string }) => e);
    expect(error).toMatchObject({ code: -32035, message: expect.stringMatching(/mcp:write/) });
    // Calls within the scope granted keep working until the new consent.
    expect(await call(id, 'whoami')).toContain('account=alice');
    const status = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
    expect(status.body.neededScope?.split(' ')).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    const started = await connect(id, 'alice');
    expect(started.scope.split(' ')).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    expect(await call(id, 'admin_action')).toBe('done');
  });
});

describe('a grant that ends', () => {
  it('turns a grant revoked at the authorization server into an auth failure that says "reconnect", in both dialects, and stops trying', async () => {
    const { as, server } = await world();
    const id = await createServer(server.url);
    await connect(id, 'alice');
    expect((await probe(id)).success).toBe(true);
    await as.revokeAllGrants('alice');
    const failed = await probe(id);
    expect(failed).toMatchObject({ success: false, failure_class: 'auth' });
    expect(failed.message).toContain('reconnect');
    const config = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key);
    expect(config.body.connectionStatus).toBe('failed');
    expect(config.body.errorMessage).toContain('reconnect');
    const zudu = await gw.zuduKey(ORG, { role: 'admin' });
    const view = await gw.http.get(`/api/mcp-servers/${id}/oauth`).set(zudu.headers);
    expect(view.body.data).toMatchObject({ connected: false, status: 'reconnect' });
    const tools = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(zudu.headers);
    expect(tools.status).toBe(502);
    expect(tools.body.error).toMatch(/^auth: .*reconnect/);
    // No silent loop: a revoked grant is not refreshed again.
    const refreshes = as.counts.refreshes;
    await probe(id);
    await probe(id);
    expect(as.counts.refreshes).toBe(refreshes);
    const events = await gw.http.get('/v1/audit-events').query({ organization_id: ORG, action: 'oauth.refresh', target_id: id }).set('X-API-Key', admin.key);
    expect(events.body.events.map((e: { outcome: string }) => e.outcome)).toContain('revoked');
    // Reconnecting brings it back.
    await connect(id, 'alice');
    expect((await probe(id)).success).toBe(true);
  });

  it('revokes the tokens at the authorization server (RFC 7009) when disconnected, deletes them, and audits it', async () => {
    const { as, server } = await world();
    const id = await createServer(server.url);
    await connect(id, 'alice');
    expect((await probe(id)).success).toBe(true);
    const token = lastToken(server);
    const ended = await gw.http.delete(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
    expect(ended.status).toBe(200);
    expect(ended.body).toEqual({ disconnected: true, revoked: true });
    expect(as.counts.revocations).toBeGreaterThan(0);
    expect(await as.verify(token)).toBeNull();
    expect((await gw.services.db.knex('oauth_grants').where({ server_id: id })).length).toBe(0);
    const status = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
    expect(status.body).toMatchObject({ connected: false, status: 'not_connected' });
    expect((await gw.http.delete(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key)).status).toBe(404);
    const events = await gw.http.get('/v1/audit-events').query({ organization_id: ORG, action: 'oauth.disconnect', target_id: id }).set('X-API-Key', admin.key);
    expect(events.body.events).toHaveLength(1);
    expect(events.body.events[0].detail).toMatchObject({ revoked: 'true', subject: 'organization', issuer: as.issuer });
  });
});

describe('a server that goes', () => {
  it('takes its tokens with it when deleted, and when its auth changes to something other than a consent', async () => {
    const { server } = await world();
    const deleted = await createServer(server.url);
    await connect(deleted, 'alice');
    const changed = await createServer(server.url);
    await connect(changed, 'alice');
    expect((await gw.services.db.knex('oauth_grants').whereIn('server_id', [deleted, changed])).length).toBe(2);
    expect((await gw.http.delete(`/v1/mcp-configurations/${deleted}`).set('X-API-Key', admin.key)).status).toBe(204);
    const zudu = await gw.zuduKey(ORG, { role: 'admin' });
    await gw.http.post('/api/secrets').set(zudu.headers).send({ secret_id: 'secret_static', name: 'Static', value: 'a-static-bearer-token' });
    const patched = await gw.http
      .patch(`/api/mcp-servers/${changed}`)
      .set(zudu.headers)
      .send({ config: { secret_token: { secret_id: 'secret_static' } } });
    expect(patched.status).toBe(200);
    expect((await gw.services.db.knex('oauth_grants').whereIn('server_id', [deleted, changed])).length).toBe(0);
  });
});

describe('per-user grants', () => {
  let server: ProtectedMcpServer;
  let id: string;
  let bob: { key: string; userId: string | null };
  let carol: { key: string; userId: string | null };
  beforeAll(async () => {
    ({ server } = await world());
    id = await createServer(server.url, { auth_type: 'oauth', credentials: { grant_type: 'authorization_code', per_user: true } });
    bob = await gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_bob' });
    carol = await gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_carol' });
  });

  it('gives each user of one server their own account upstream', async () => {
    expect((await connect(id, 'alice')).perUser).toBe(true);
    // A member connects its own account on a server it does not own.
    await connect(id, 'bob', bob.key);
    expect(await call(id, 'whoami')).toContain('account=alice');
    expect(await call(id, 'whoami', bob.key)).toContain('account=bob');
    const mine = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', carol.key);
    expect(mine.body).toMatchObject({ perUser: true, connected: false, status: 'not_connected' });
  });

  it('tells an unconnected user where to connect: a URL elicitation for an agent that supports one, the URL in the error otherwise', async () => {
    const plain = await bed.agent(id, carol.key);
    const refused = await plain.callTool({ name: 'whoami', arguments: {} }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    const url = /open (\S+) in a browser/.exec((refused as Error).message)?.[1];
    expect(url).toBeDefined();
    // A retry is offered the same consent, not a new one.
    const retried = await plain.callTool({ name: 'whoami', arguments: {} }).catch((error: Error) => error);
    expect(/open (\S+) in a browser/.exec((retried as Error).message)?.[1]).toBe(url);
    expect((refused as { code?: number }).code).toBe(-32035);
    expect((refused as { data?: { authorizationUrl?: string } }).data?.authorizationUrl).toBe(url);
    const client = new LegacyClient({ name: 'elicit-agent', version: '1' }, { capabilities: { elicitation: { url: {} } } });
    await client.connect(new LegacyTransport(new URL(gatewayUrl(gw, `/mcp/${id}`)), { requestInit: { headers: { 'X-API-Key': carol.key } } }));
    bed.onClose(() => client.close());
    const elicited = (await client.callTool({ name: 'whoami', arguments: {} }).catch((error: unknown) => error)) as {
      code?: number;
      data?: { elicitations?: Array<{ mode: string; url: string }> };
    };
    expect(elicited.code).toBe(-32042);
    const elicitation = elicited.data!.elicitations![0]!;
    expect(elicitation.mode).toBe('url');
    // Following it connects carol's own account, and the call goes through.
    const { redirectedTo } = await browserConsent(elicitation.url, { login: 'carol' });
    const confirm = await gw.http.get(`${redirectedTo.pathname}${redirectedTo.search}`);
    // The page first says whose gateway user the account is being connected to.
    expect(confirm.text).toContain('to the gateway user usr_carol');
    expect((await bed.comeBack(redirectedTo)).status).toBe(200);
    expect(await call(id, 'whoami', carol.key)).toContain('account=carol');
  });

  it('lets only admins and the owner connect a server for the whole organization', async () => {
    const shared = await createServer(server.url);
    const refused = await gw.http.post(`/v1/mcp-configurations/${shared}/oauth/connect`).set('X-API-Key', bob.key).send({});
    expect(refused.status).toBe(403);
    const stranger = await gw.aitronosKey({ orgs: ['org_elsewhere'], role: 'admin', userId: 'usr_mallory' });
    expect((await gw.http.post(`/v1/mcp-configurations/${shared}/oauth/connect`).set('X-API-Key', stranger.key).send({})).status).toBe(404);
  });
});

describe('a refresh that fails for another reason than a revoked grant', () => {
  it('keeps the grant when the authorization server cannot be reached, says so, and audits it', async () => {
    const { as, server } = await world({ accessTokenTtlSeconds: 2 });
    const id = await createServer(server.url);
    await connect(id, 'alice');
    await as.close();
    await sleep(1100);
    const failed = await probe(id);
    expect(failed).toMatchObject({ success: false, failure_class: 'auth' });
    expect(failed.message).toContain('Refreshing the OAuth access token failed');
    const status = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
    expect(status.body).toMatchObject({ connected: true, status: 'active' });
    const events = await gw.http.get('/v1/audit-events').query({ organization_id: ORG, action: 'oauth.refresh', target_id: id }).set('X-API-Key', admin.key);
    expect(events.body.events.map((e: { outcome: string }) => e.outcome)).toEqual(['failed']);
  });

  it('treats tokens that do not decrypt (a ciphertext copied from another grant) as a grant to reconnect, never as a 500', async () => {
    const { server } = await world();
    const first = await createServer(server.url);
    const second = await createServer(server.url);
    await connect(first, 'alice');
    await connect(second, 'alice');
    const [a] = await gw.services.db.knex('oauth_grants').where({ server_id: first });
    await gw.services.db.knex('oauth_grants').where({ server_id: second }).update({ access_token: a.access_token, refresh_token: a.refresh_token });
    const failed = await probe(second);
    expect(failed).toMatchObject({ success: false, failure_class: 'auth' });
    expect(failed.message).toContain('cannot be decrypted');
    expect((await probe(first)).success).toBe(true);
  });
});

describe('the Zudu dialect', () => {
  it('connects, shows and disconnects a server through /api/mcp-servers/{id}/oauth', async () => {
    const { as, server } = await world();
    const zudu = await gw.zuduKey(ORG, { role: 'admin' });
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({ config: { name: `zudu-oauth-${Date.now()}`, url: server.url, transport: 'STREAMABLE_HTTP' } });
    const id = created.body.data.id as string;
    const started = await gw.http.post(`/api/mcp-servers/${id}/oauth/connect`).set(zudu.headers).send({});
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'success', data: { issuer: as.issuer, per_user: false, client_registration: 'dynamic_registration' } });
    expect(typeof started.body.data.expires_at).toBe('number');
    const { redirectedTo } = await browserConsent(started.body.data.authorization_url, { login: 'alice' });
    expect((await gw.http.get(`${redirectedTo.pathname}${redirectedTo.search}`)).status).toBe(200);
    const tools = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(zudu.headers);
    expect(tools.status).toBe(200);
    expect(tools.body.data.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['whoami']));
    const view = await gw.http.get(`/api/mcp-servers/${id}/oauth`).set(zudu.headers);
    expect(view.body.data).toMatchObject({ connected: true, status: 'active' });
    expect(typeof view.body.data.connected_at).toBe('number');
    const ended = await gw.http.delete(`/api/mcp-servers/${id}/oauth`).set(zudu.headers);
    expect(ended.body).toMatchObject({ status: 'success', data: { id, disconnected: true, revoked: true } });
    const missing = await gw.http.delete(`/api/mcp-servers/${id}/oauth`).set(zudu.headers);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 'error', message: 'OAuth connection not found' });
  });
});

describe('metadata the gateway refuses', () => {
  /** An MCP server whose challenge and metadata are as given: the authorization server's metadata is served by the same host. */
  async function misconfigured(prm: (origin: string) => Record<string, unknown>, asMetadata: (origin: string) => Record<string, unknown>) {
    const fake = await startHttpServer((req, res) => {
      const origin = `http://127.0.0.1:${fake.port}`;
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.url?.startsWith('/.well-known/oauth-protected-resource')) return json(prm(origin));
      if (req.url?.startsWith('/.well-known/oauth-authorization-server') || req.url?.startsWith('/.well-known/openid-configuration'))
        return json(asMetadata(origin));
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` }).end();
    });
    bed.onClose(() => fake.close());
    return fake;
  }
  const goodAs = (origin: string) => ({
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    registration_endpoint: `${origin}/register`,
  });

  it('refuses protected resource metadata for another resource', async () => {
    const fake = await misconfigured((origin) => ({ resource: 'https://elsewhere.example/mcp', authorization_servers: [origin] }), goodAs);
    const id = await createServer(fake.url);
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    expect(started.status).toBe(502);
    expect(started.body.error.system_message).toContain('does not cover this server');
  });

  it('refuses an authorization server without PKCE S256', async () => {
    const fake = await misconfigured(
      (origin) => ({ resource: `${origin}/mcp`, authorization_servers: [origin] }),
      (origin) => ({ ...goodAs(origin), code_challenge_methods_supported: ['plain'] }),
    );
    const id = await createServer(fake.url);
    const tested = await probe(id);
    expect(tested).toMatchObject({ success: false, failure_class: 'auth' });
    expect(tested.message).toContain('does not support PKCE with S256');
  });
});

describe('the network guard on discovery', () => {
  it('refuses an authorization server at a private address, naming the step', async () => {
    const { server } = await world({}, { authorizationServers: ['http://10.0.0.1/'] });
    const id = await createServer(server.url);
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    expect(started.status).toBe(502);
    const said = `${started.body.error.message} ${started.body.error.system_message}`;
    expect(said).toContain('authorization server metadata');
    expect(said).toMatch(/private|blocked|not allowed|refused/i);
    const tested = await probe(id);
    expect(tested.failure_class).toBe('auth');
    expect(tested.message).toContain('authorization server metadata');
  });
});
