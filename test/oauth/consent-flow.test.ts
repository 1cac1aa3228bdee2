import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthorizationServer, browserConsent, type ProtectedMcpServer } from '../support/oauth-world';
import { OAuthTestbed } from '../support/oauth-testbed';
import type { TestGateway } from '../support/test-gateway';

/**
 * Connecting an upstream that follows the MCP authorization spec: a real OAuth 2.1 / OpenID
 * provider (oidc-provider) in the test process, an MCP server protected by it with the official
 * SDK's bearer-auth middleware and Protected Resource Metadata, and the consent driven over HTTP
 * as a browser would (login and consent pages, redirects, cookies).
 */

const ORG = 'org_oauth';
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
const test = (id: string) => bed.probe(id);
const whoami = (id: string) => bed.call(id, 'whoami');

/** Consents as `login`; the browser must come back to the gateway's public address. */
async function connect(id: string, login: string) {
  const consented = await bed.consent(id, login);
  expect(consented.redirectedTo.origin).toBe(PUBLIC_URL);
  return consented;
}

describe('discovering that a server wants OAuth consent', () => {
  let as: AuthorizationServer;
  let server: ProtectedMcpServer;
  beforeAll(async () => ({ as, server } = await world()));

  it('a connection test of a server without credentials meets the 401 challenge, follows its resource_metadata and names the authorization server', async () => {
    const id = await createServer(server.url);
    const result = await test(id);
    expect(result).toMatchObject({ success: false, failure_class: 'auth' });
    expect(result.message).toContain('needs OAuth consent');
    expect(result.message).toContain(as.issuer);
    expect(server.metadataHits).toBeGreaterThan(0);
  });

  it('finds the metadata at the RFC 9728 well-known address when the challenge does not name it', async () => {
    const quiet = await world({}, { advertiseMetadataAt: 'well-known-only' });
    const id = await createServer(quiet.server.url);
    expect((await test(id)).message).toContain(quiet.as.issuer);
    const { started, back } = await connect(id, 'alice');
    expect(started.issuer).toBe(quiet.as.issuer);
    expect(back.status).toBe(200);
    expect((await test(id)).success).toBe(true);
  });
});

describe('the consent flow, as a browser goes through it', () => {
  let as: AuthorizationServer;
  let server: ProtectedMcpServer;
  let id: string;
  beforeAll(async () => {
    ({ as, server } = await world());
    id = await createServer(server.url);
  });

  it('starts with an authorization URL: code flow, PKCE S256, state, the resource and the scopes the server asks for', async () => {
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    expect(started.status).toBe(200);
    const url = new URL(started.body.authorizationUrl);
    expect(url.origin).toBe(as.issuer);
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('resource')).toBe(server.url);
    expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/callback`);
    expect(url.searchParams.get('scope')).toContain('mcp:read');
    expect(started.body).toMatchObject({ issuer: as.issuer, perUser: false, clientRegistration: 'dynamic_registration' });
  });

  it('stores the tokens when the browser comes back, makes the server an OAuth server, and connects with the token', async () => {
    const { back } = await connect(id, 'alice');
    expect(back.status).toBe(200);
    expect(back.headers['cache-control']).toBe('no-store');
    expect(back.text).toContain('is connected for the organization');
    const config = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key);
    expect(config.body).toMatchObject({ authType: 'oauth', connectionStatus: 'untested' });
    const result = await test(id);
    expect(result).toMatchObject({ success: true, available_tools: expect.arrayContaining(['whoami', 'admin_action']) });
    expect(await whoami(id)).toContain('account=alice');
    const status = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
    expect(status.body).toMatchObject({ connected: true, status: 'active', issuer: as.issuer, perUser: false });
    expect(status.body.scope).toContain('mcp:read');
    // Zudu sees the same connection.
    const zudu = await gw.zuduKey(ORG, { role: 'admin' });
    const seen = await gw.http.get(`/api/mcp-servers/${id}/oauth`).set(zudu.headers);
    expect(seen.body.data).toMatchObject({ connected: true, status: 'active', issuer: as.issuer, per_user: false });
    const detail = await gw.http.get(`/api/mcp-servers/${id}`).set(zudu.headers);
    expect(detail.body.data.oauth).toEqual({ per_user: false, client_id: null, scope: null });
    expect(detail.body.data.secret_token_id).toBeNull();
    // Neither view holds a token.
    for (const sent of server.authorizations.filter((a) => a.startsWith('Bearer '))) {
      expect(JSON.stringify([status.body, seen.body])).not.toContain(sent.slice('Bearer '.length));
    }
  });

  it('keeps every token encrypted: none is in the database in plaintext, and the agent key never reaches the upstream', async () => {
    const sent = server.authorizations.filter((a) => a.startsWith('Bearer ')).map((a) => a.slice('Bearer '.length));
    expect(sent.length).toBeGreaterThan(0);
    const dump = JSON.stringify(await gw.services.db.knex('oauth_grants').select());
    for (const token of new Set(sent)) expect(dump).not.toContain(token);
    // No header of any request the upstream received carries the agent's key.
    expect(server.headerValues.length).toBeGreaterThan(0);
    expect(server.headerValues.join('\n')).not.toContain(admin.key);
  });

  it('keeps a consent under way as the hash of its state and an encrypted PKCE verifier', async () => {
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const url = new URL(started.body.authorizationUrl);
    const state = url.searchParams.get('state')!;
    const flow = await gw.services.db
      .knex('oauth_flows')
      .where({ state_hash: createHash('sha256').update(state).digest('hex') })
      .first();
    expect(flow).toBeDefined();
    expect(JSON.stringify(await gw.services.db.knex('oauth_flows').select())).not.toContain(state);
    // What is stored is not the verifier whose S256 challenge went to the authorization server.
    const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');
    expect(challengeOf(flow.code_verifier)).not.toBe(url.searchParams.get('code_challenge'));
    expect(flow.code_verifier).toMatch(/^v1\./);
  });

  it('asks for the scope the caller names, else the configured one', async () => {
    const named = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({ scope: 'mcp:read' });
    expect(new URL(named.body.authorizationUrl).searchParams.get('scope')).toBe('mcp:read');
    for (const bad of ['mcp:read\tmcp:write', 'say "hi"', ' leading', '']) {
      const refused = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({ scope: bad });
      expect(refused.status).toBe(422);
      expect(refused.body.error.details.field).toBe('scope');
    }
    const configured = await createServer(server.url, { auth_type: 'oauth', credentials: { grant_type: 'authorization_code', scope: 'mcp:write' } });
    const started = await gw.http.post(`/v1/mcp-configurations/${configured}/oauth/connect`).set('X-API-Key', admin.key).send({});
    expect(new URL(started.body.authorizationUrl).searchParams.get('scope')).toBe('mcp:write');
  });

  it('refuses a callback whose state it never issued, a replayed one, and one whose iss is another issuer', async () => {
    const forged = await gw.http.get('/oauth/callback?code=abc&state=not-a-state-we-issued');
    expect(forged.status).toBe(400);
    expect(forged.text).toContain('not one the gateway is waiting for');
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const { redirectedTo } = await browserConsent(started.body.authorizationUrl, { login: 'alice' });
    expect(redirectedTo.searchParams.get('iss')).toBe(as.issuer);
    const tampered = new URLSearchParams(redirectedTo.search);
    tampered.set('iss', 'http://127.0.0.1:1/evil');
    const mixedUp = await gw.http.get(`/oauth/callback?${tampered}`);
    expect(mixedUp.status).toBe(400);
    expect(mixedUp.text).toContain('did not come from the authorization server');
    // The flow was used up by the refused attempt: the genuine response cannot be replayed after it.
    const replay = await gw.http.get(`${redirectedTo.pathname}${redirectedTo.search}`);
    expect(replay.status).toBe(400);
    // The authorization server says it sends iss: an answer without it is refused too.
    const again = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const second = await browserConsent(again.body.authorizationUrl, { login: 'alice' });
    const stripped = new URLSearchParams(second.redirectedTo.search);
    stripped.delete('iss');
    const withoutIss = await gw.http.get(`/oauth/callback?${stripped}`);
    expect(withoutIss.status).toBe(400);
    expect(withoutIss.text).toContain('did not come from the authorization server');
  });

  it('records a refusal in the browser as a refusal: nothing stored, the page says so', async () => {
    const other = await createServer(server.url);
    const started = await gw.http.post(`/v1/mcp-configurations/${other}/oauth/connect`).set('X-API-Key', admin.key).send({});
    const { redirectedTo } = await browserConsent(started.body.authorizationUrl, { login: 'alice', approve: false });
    const back = await gw.http.get(`${redirectedTo.pathname}${redirectedTo.search}`);
    expect(back.status).toBe(400);
    expect(back.text).toContain('did not grant access');
    const status = await gw.http.get(`/v1/mcp-configurations/${other}/oauth`).set('X-API-Key', admin.key);
    expect(status.body).toMatchObject({ connected: false, status: 'not_connected' });
  });

  it('writes audit events for the connect', async () => {
    const events = await gw.http.get('/v1/audit-events').query({ organization_id: ORG, action: 'oauth.connect' }).set('X-API-Key', admin.key);
    expect(events.status).toBe(200);
    const outcomes = events.body.events.map((e: { outcome: string }) => e.outcome);
    expect(outcomes).toEqual(expect.arrayContaining(['ok', 'refused']));
  });
});

describe('a per-user consent link sent to someone else', () => {
  it('asks the person to confirm whose gateway user their account goes to, and stores nothing until they do', async () => {
    const { server } = await world();
    const id = await createServer(server.url, { auth_type: 'oauth', credentials: { grant_type: 'authorization_code', per_user: true } });
    const mallory = await gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_mallory' });
    const started = await gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', mallory.key).send({});
    // The authorization server asks every time, even someone who consented before.
    expect(new URL(started.body.authorizationUrl).searchParams.get('prompt')).toBe('consent');
    // Alice, sent the link, signs in as herself.
    const { redirectedTo } = await browserConsent(started.body.authorizationUrl, { login: 'alice' });
    const page = await gw.http.get(`${redirectedTo.pathname}${redirectedTo.search}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('to the gateway user usr_mallory');
    expect(page.text).toContain('Continue only if you started this connection yourself');
    expect(page.headers['cache-control']).toBe('no-store');
    expect((await gw.services.db.knex('oauth_grants').where({ server_id: id })).length).toBe(0);
    // She closes the window: Mallory's calls still have no account upstream.
    const agent = await bed.agent(id, mallory.key);
    await expect(agent.callTool({ name: 'whoami', arguments: {} })).rejects.toThrow(/needs OAuth consent/);
  });
});

describe('moving an OAuth server between platforms', () => {
  it('exports its OAuth marking (per user, client id, scope) without any token, and an import lands it unconnected', async () => {
    const { as, server } = await world();
    const client = await as.preRegister({ redirect_uris: [`${PUBLIC_URL}/oauth/callback`], token_endpoint_auth_method: 'none' });
    const id = await createServer(server.url, {
      name: 'Portable OAuth',
      auth_type: 'oauth',
      credentials: { grant_type: 'authorization_code', per_user: true, client_id: client.client_id, scope: 'mcp:read' },
    });
    await connect(id, 'alice');
    const out = join(mkdtempSync(join(tmpdir(), 'mcp-oauth-export-')), 'aitronos.json');
    expect((await gw.cli('export', '--org', ORG, '--format', 'aitronos', '--include-secrets', '--out', out)).code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const body = JSON.parse(text).find((b: { name: string }) => b.name === 'Portable OAuth');
    expect(body.credentials).toEqual({ grant_type: 'authorization_code', per_user: true, client_id: client.client_id, scope: 'mcp:read' });
    const tokens = await gw.services.db.knex('oauth_grants').where({ server_id: id });
    expect(tokens).toHaveLength(1);
    for (const sent of server.authorizations.filter((a) => a.startsWith('Bearer '))) expect(text).not.toContain(sent.slice(7));
    const imported = await gw.cli('import', out, '--org', 'org_oauth_copy', '--json');
    expect(imported.code).toBe(0);
    const other = await gw.aitronosKey({ orgs: ['org_oauth_copy'], role: 'admin', userId: 'usr_alice' });
    const list = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_oauth_copy' }).set('X-API-Key', other.key);
    const copy = list.body.configurations.find((c: { name: string }) => c.name === 'Portable OAuth');
    expect(copy).toMatchObject({ authType: 'oauth', isActive: true });
    // The Zudu view of the copy shows the same marking, and no secret.
    const zudu = await gw.zuduKey('org_oauth_copy', { role: 'admin' });
    const detail = await gw.http.get(`/api/mcp-servers/${copy.id}`).set(zudu.headers);
    expect(detail.body.data.oauth).toEqual({ per_user: true, client_id: client.client_id, scope: 'mcp:read' });
    const status = await gw.http.get(`/v1/mcp-configurations/${copy.id}/oauth`).set('X-API-Key', other.key);
    expect(status.body).toMatchObject({ perUser: true, connected: false, status: 'not_connected' });
  });
});
