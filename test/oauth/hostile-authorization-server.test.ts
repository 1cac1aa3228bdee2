import { OAuthTestbed } from '../support/oauth-testbed';
import { startProtectedMcpServer } from '../support/oauth-world';
import { type FakeAsOptions, followAuthorize, startFakeAs } from '../support/scripted-authorization-server';

/**
 * An authorization server that misbehaves or attacks: absurd token lifetimes, huge or garbage
 * answers, error descriptions that echo what the gateway sent, endpoints at private addresses.
 * Whatever it does, the gateway answers with a page or an error of its own, never a 500, and never
 * shows a code, verifier or token.
 */

const ORG = 'org_hostile_as';
let bed: OAuthTestbed;

beforeAll(async () => {
  bed = await OAuthTestbed.start(ORG, 'http://gateway.test');
});
afterAll(() => bed.close());

async function world(options: FakeAsOptions = {}) {
  const as = await startFakeAs(options);
  const mcp = await startProtectedMcpServer({ authorizationServer: as });
  bed.onClose(() => as.close());
  bed.onClose(() => mcp.close());
  return { as, mcp, id: await bed.createServer(mcp.url) };
}

/** Starts a consent and follows the authorization server straight back to the callback. */
async function connect(id: string) {
  const started = await bed.gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', bed.adminKey).send({});
  expect(started.status).toBe(200);
  const back = await followAuthorize(started.body.authorizationUrl);
  return bed.gw.http.get(`${back.pathname}${back.search}`);
}

const no500Since = (from: number) => expect(bed.gw.logs.slice(from).join('\n')).not.toMatch(/"status":5\d\d|"level":50/);
const status = (id: string) => bed.gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', bed.adminKey);

describe('token responses', () => {
  it.each([
    ['a lifetime of 1e15 s', 1e15],
    ['a negative lifetime', -1e15],
    ['a lifetime past what a bigint column holds', 1e16],
  ])('treats %s as an unknown expiry: stored, shown, never a 500', async (_what, expiresIn) => {
    const mark = bed.gw.logs.length;
    const { id } = await world({ token: (form, issue) => ({ body: { ...issue(form.get('resource')), token_type: 'Bearer', expires_in: expiresIn } }) });
    expect((await connect(id)).status).toBe(200);
    const shown = await status(id);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ connected: true, accessTokenExpiresAt: null });
    no500Since(mark);
  });

  it.each([
    ['without access_token', () => ({ body: { token_type: 'Bearer', refresh_token: 'x' } })],
    [
      'whose lifetime is not a number',
      (form: URLSearchParams, issue: (r: string | null) => object) => ({ body: { ...issue(form.get('resource')), token_type: 'Bearer', expires_in: 'soon' } }),
    ],
  ])('refuses a token response %s at the callback (400), and stores nothing', async (_what, token) => {
    const { id } = await world({ token: token as FakeAsOptions['token'] });
    expect((await connect(id)).status).toBe(400);
    expect((await bed.gw.services.db.knex('oauth_grants').where({ server_id: id })).length).toBe(0);
  });

  it('answers garbage from the token endpoint (HTML with a script) with a 400 page that shows none of it', async () => {
    const { id } = await world({ token: () => ({ body: null, raw: '<script>alert(1)</script>', contentType: 'text/html' }) });
    const back = await connect(id);
    expect(back.status).toBe(400);
    expect(back.text).not.toContain('<script>alert(1)');
  });

  it('cuts off a 9 MB token response (400), and lets a 2 MB scope through to the views', async () => {
    const huge = await world({
      token: (form, issue) => ({ body: { ...issue(form.get('resource')), token_type: 'Bearer', junk: 'x'.repeat(9 * 1024 * 1024) } }),
    });
    expect((await connect(huge.id)).status).toBe(400);
    const wide = await world({
      token: (form, issue) => ({ body: { ...issue(form.get('resource')), token_type: 'Bearer', scope: `mcp:read ${'a'.repeat(2 * 1024 * 1024)}` } }),
    });
    expect((await connect(wide.id)).status).toBe(200);
    expect((await status(wide.id)).status).toBe(200);
  });

  it('keeps the grant when a refresh answers without access_token, and fails the call as auth', async () => {
    let requests = 0;
    const { id } = await world({
      token: (form, issue) => {
        requests += 1;
        if (form.get('grant_type') === 'refresh_token') return { body: { token_type: 'Bearer' } };
        return { body: { ...issue(form.get('resource')), token_type: 'Bearer', expires_in: 1 } };
      },
    });
    expect((await connect(id)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const tested = await bed.probe(id);
    expect(tested).toMatchObject({ success: false, failure_class: 'auth' });
    expect(requests).toBe(2);
    expect((await status(id)).body).toMatchObject({ connected: true, status: 'active' });
  });
});

describe('refresh answers', () => {
  it.each(['invalid_grant', 'invalid_client', 'unauthorized_client'])('ends the grant on a refresh refused with %s: "reconnect", not retried', async (code) => {
    let refreshes = 0;
    const { id } = await world({
      token: (form, issue) => {
        if (form.get('grant_type') !== 'refresh_token') return { body: { ...issue(form.get('resource')), token_type: 'Bearer', expires_in: 1 } };
        refreshes += 1;
        return { status: 400, body: { error: code } };
      },
    });
    expect((await connect(id)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const failed = await bed.probe(id);
    expect(failed.message).toContain(`(the authorization server refused the refresh token (${code})); reconnect it`);
    expect((await status(id)).body).toMatchObject({ connected: false, status: 'reconnect' });
    await bed.probe(id);
    expect(refreshes).toBe(1);
  });

  it('keeps the refresh token it has when a refresh answers without a new one (no rotation)', async () => {
    const refreshTokens: string[] = [];
    const { id } = await world({
      token: (form, issue) => {
        const issued = issue(form.get('resource'));
        if (form.get('grant_type') !== 'refresh_token') return { body: { ...issued, token_type: 'Bearer', expires_in: 1 } };
        refreshTokens.push(form.get('refresh_token') ?? '');
        return { body: { access_token: issued.access_token, token_type: 'Bearer', expires_in: 1 } };
      },
    });
    expect((await connect(id)).status).toBe(200);
    for (let round = 0; round < 2; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect((await bed.probe(id)).success).toBe(true);
    }
    expect(refreshTokens).toHaveLength(2);
    expect(refreshTokens[1]).toBe(refreshTokens[0]);
  });
});

describe('what the authorization server echoes', () => {
  it('quotes only the standard OAuth error codes: a refresh token sent back as the `error` itself is not shown', async () => {
    let refreshToken = '';
    const { id } = await world({
      token: (form, issue) => {
        if (form.get('grant_type') === 'refresh_token') return { status: 400, body: { error: form.get('refresh_token') } };
        const issued = issue(form.get('resource'));
        refreshToken = issued.refresh_token;
        return { body: { ...issued, token_type: 'Bearer', expires_in: 1 } };
      },
    });
    expect((await connect(id)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const tested = await bed.probe(id);
    expect(tested.message).toContain('the authorization server answered an OAuth error');
    const audit = await bed.gw.http
      .get('/v1/audit-events')
      .query({ organization_id: ORG, action: 'oauth.refresh', target_id: id })
      .set('X-API-Key', bed.adminKey);
    expect(JSON.stringify([tested, audit.body, bed.gw.logs])).not.toContain(refreshToken);
  });

  it('never shows a refresh token it echoes in error_description: not in the test result, the stored errorMessage, the audit trail or the logs', async () => {
    let refreshToken = '';
    const { id } = await world({
      token: (form, issue) => {
        if (form.get('grant_type') === 'refresh_token') {
          return { status: 400, body: { error: 'invalid_request', error_description: `bad refresh_token ${form.get('refresh_token')}` } };
        }
        const issued = issue(form.get('resource'));
        refreshToken = issued.refresh_token;
        return { body: { ...issued, token_type: 'Bearer', expires_in: 1 } };
      },
    });
    expect((await connect(id)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const member = await bed.gw.aitronosKey({ orgs: [ORG], role: 'member', userId: 'usr_member' });
    const tested = await bed.probe(id, member.key);
    expect(tested.message).toContain('the authorization server answered invalid_request');
    const config = await bed.gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', member.key);
    const audit = await bed.gw.http
      .get('/v1/audit-events')
      .query({ organization_id: ORG, action: 'oauth.refresh', target_id: id })
      .set('X-API-Key', bed.adminKey);
    expect(refreshToken).not.toBe('');
    expect(JSON.stringify({ tested, config: config.body, audit: audit.body, logs: bed.gw.logs })).not.toContain(refreshToken);
  });

  it('never shows the code or the PKCE verifier it echoes at the code exchange: the page names the error code only', async () => {
    const sent: string[] = [];
    const { id } = await world({
      token: (form) => {
        sent.push(form.get('code') ?? '', form.get('code_verifier') ?? '');
        return {
          status: 400,
          body: { error: 'invalid_request', error_description: `code ${form.get('code')} verifier ${form.get('code_verifier')} <img src=x onerror=alert(1)>` },
        };
      },
    });
    const back = await connect(id);
    expect(back.status).toBe(400);
    expect(back.text).toContain('refused to exchange the code for tokens: the authorization server answered invalid_request');
    for (const secret of sent) expect(back.text).not.toContain(secret);
    expect(back.text).not.toContain('<img');
    const events = await bed.gw.http
      .get('/v1/audit-events')
      .query({ organization_id: ORG, action: 'oauth.connect', target_id: id })
      .set('X-API-Key', bed.adminKey);
    expect(events.body.events.map((e: { outcome: string }) => e.outcome)).toEqual(['failed']);
  });
});

describe('authorization server metadata', () => {
  it('refuses metadata whose issuer is not the authorization server it was fetched from (RFC 8414 §3.3)', async () => {
    const { id } = await world({ metadata: () => ({ issuer: 'https://accounts.example.com' }) });
    const started = await bed.gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', bed.adminKey).send({});
    expect(started.status).toBe(502);
  });

  it('refuses a token endpoint at a private address at the callback: nothing reaches it, no 500', async () => {
    const mark = bed.gw.logs.length;
    const { id } = await world({ metadata: () => ({ token_endpoint: 'http://10.0.0.1/token' }) });
    const back = await connect(id);
    expect(back.status).toBe(400);
    expect(back.text).toMatch(/refused|blocked|private|not allowed/i);
    no500Since(mark);
  });

  it('refuses a registration endpoint on a loopback address it may not reach, naming the step', async () => {
    const { id } = await world({ metadata: () => ({ registration_endpoint: 'http://127.0.0.2:9/register' }) });
    const started = await bed.gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', bed.adminKey).send({});
    expect(started.status).toBe(502);
    expect(JSON.stringify(started.body)).toMatch(/client registration/);
  });

  it('deletes the tokens on disconnect even when the revocation endpoint is at a private address, and says revoked: false', async () => {
    const { as, id } = await world({ metadata: () => ({ revocation_endpoint: 'http://169.254.169.254/revoke' }) });
    expect((await connect(id)).status).toBe(200);
    const ended = await bed.gw.http.delete(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', bed.adminKey);
    expect(ended.body).toEqual({ disconnected: true, revoked: false });
    expect(as.revocations).toHaveLength(0);
    expect((await bed.gw.services.db.knex('oauth_grants').where({ server_id: id })).length).toBe(0);
  });

  it('refuses endpoints and registrations whose values cannot be stored and sent on (over-long URLs, client ids)', async () => {
    const longEndpoint = await world({ metadata: (origin) => ({ token_endpoint: `${origin}/token?${'x'.repeat(2000)}` }) });
    const refused = await bed.gw.http.post(`/v1/mcp-configurations/${longEndpoint.id}/oauth/connect`).set('X-API-Key', bed.adminKey).send({});
    expect(refused.status).toBe(502);
    expect(refused.body.error.system_message).toContain('the token endpoint is not an http(s) URL of at most 1000 characters');
    const longClient = await world({
      route: (req, res) => {
        if (req.url !== '/register') return false;
        res
          .writeHead(201, { 'content-type': 'application/json' })
          .end(JSON.stringify({ client_id: 'c'.repeat(5000), redirect_uris: ['http://gateway.test/oauth/callback'] }));
        return true;
      },
    });
    const unusable = await bed.gw.http.post(`/v1/mcp-configurations/${longClient.id}/oauth/connect`).set('X-API-Key', bed.adminKey).send({});
    expect(unusable.status).toBe(502);
    expect(unusable.body.error.system_message).toContain('the registration answered an unusable client_id');
  });

  it('never hands a browser a javascript: authorization endpoint', async () => {
    const { id } = await world({ metadata: () => ({ authorization_endpoint: 'javascript:alert(1)' }) });
    const started = await bed.gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', bed.adminKey).send({});
    expect(started.status).toBe(502);
  });
});

describe('a consent that comes back late', () => {
  it('stores nothing when the server was switched to another auth while the person consented', async () => {
    const { id } = await world();
    const started = await bed.gw.http.post(`/v1/mcp-configurations/${id}/oauth/connect`).set('X-API-Key', bed.adminKey).send({});
    const back = await followAuthorize(started.body.authorizationUrl);
    const changed = await bed.gw.http.patch(`/v1/mcp-configurations/${id}`).set('X-API-Key', bed.adminKey).send({ credentials: {} });
    expect(changed.status).toBe(200);
    const zudu = await bed.gw.zuduKey(ORG, { role: 'admin' });
    await bed.gw.http.post('/api/secrets').set(zudu.headers).send({ secret_id: 'secret_late', name: 'Late', value: 'a-static-bearer-token' });
    expect(
      (
        await bed.gw.http
          .patch(`/api/mcp-servers/${id}`)
          .set(zudu.headers)
          .send({ config: { secret_token: { secret_id: 'secret_late' } } })
      ).status,
    ).toBe(200);
    const page = await bed.gw.http.get(`${back.pathname}${back.search}`);
    expect(page.status).toBe(400);
    expect(page.text).toContain('now authenticates another way');
    expect((await bed.gw.services.db.knex('oauth_grants').where({ server_id: id })).length).toBe(0);
  });
});
