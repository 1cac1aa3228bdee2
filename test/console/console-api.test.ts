import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

const org = () => `org-con-${Math.random().toString(36).slice(2, 8)}`;

/** Signs in through the console's API; returns the cookie and CSRF token a page would hold. */
async function signIn(body: Record<string, string>) {
  const res = await gw.http.post('/console/api/session').set('Content-Type', 'application/json').send(body);
  expect(res.status).toBe(201);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!;
  return { cookie: cookie.split(';')[0]!, csrf: res.body.csrfToken as string, res };
}

/** A request as the console page makes it: its cookie and its CSRF token. */
function asPage(session: { cookie: string; csrf: string }) {
  const withSession = (r: ReturnType<typeof gw.http.get>) => r.set('Cookie', session.cookie).set('X-CSRF-Token', session.csrf);
  return {
    get: (path: string) => withSession(gw.http.get(`/console/api${path}`)),
    post: (path: string, body?: unknown) => withSession(gw.http.post(`/console/api${path}`)).send(body as object),
    patch: (path: string, body: unknown) => withSession(gw.http.patch(`/console/api${path}`)).send(body as object),
    put: (path: string, body: unknown) => withSession(gw.http.put(`/console/api${path}`)).send(body as object),
    delete: (path: string) => withSession(gw.http.delete(`/console/api${path}`)),
  };
}

describe('console sign-in', () => {
  it('exchanges a key of either dialect for an HTTP-only, SameSite=Strict session cookie scoped to /console; the key is not in the cookie or the answer', async () => {
    const o = org();
    const aitronos = await gw.aitronosKey({ orgs: [o] });
    const a = await signIn({ key: aitronos.key });
    const setCookie = (a.res.headers['set-cookie'] as unknown as string[])[0]!;
    expect(setCookie).toMatch(/^mcpgw_console=[A-Za-z0-9_-]{43}; Path=\/console; Expires=.+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain('Secure'); // plain HTTP here; over TLS the cookie is Secure
    expect(JSON.stringify(a.res.body)).not.toContain(aitronos.key);
    expect(setCookie).not.toContain(aitronos.key);
    expect(a.res.body.principal).toMatchObject({ keyId: aitronos.id, role: 'admin', organizationIds: [o], dialect: 'aitronos' });

    const zudu = await gw.zuduKey(o, { role: 'member' });
    const z = await signIn({ key: zudu.headers['X-API-KEY']!, secret: zudu.headers['X-API-SECRET']! });
    expect(z.res.body.principal).toMatchObject({ keyId: zudu.id, role: 'member', organizationIds: [o], dialect: 'zudu' });
    // A reloaded page gets its CSRF token back from the session it holds.
    const again = await gw.http.get('/console/api/session').set('Cookie', z.cookie);
    expect(again.status).toBe(200);
    expect(again.body.csrfToken).toBe(z.csrf);
  });

  it('refuses a wrong key, a Zudu key without its secret, and a revoked key alike, with 401 and no cookie', async () => {
    const o = org();
    const zudu = await gw.zuduKey(o);
    const revoked = await gw.aitronosKey({ orgs: [o] });
    await gw.services.apiKeys.revoke(revoked.id);
    for (const body of [
      { key: 'ak_not-a-key' },
      { key: zudu.headers['X-API-KEY']! },
      { key: zudu.headers['X-API-KEY']!, secret: 'zs_wrong' },
      { key: revoked.key },
    ]) {
      const res = await gw.http.post('/console/api/session').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(401);
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body.error.code).toBe('INVALID_API_KEY');
    }
  });

  it('takes the sign-in only as JSON (a form post from another site cannot sign anyone in) and names a missing key', async () => {
    const form = await gw.http.post('/console/api/session').set('Content-Type', 'application/x-www-form-urlencoded').send('key=ak_x');
    expect(form.status).toBe(400);
    const empty = await gw.http.post('/console/api/session').set('Content-Type', 'application/json').send({});
    expect(empty.status).toBe(400);
    expect(empty.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'key', message: 'API key is required' });
  });

  it('answers nothing without the session’s CSRF token, or from another origin', async () => {
    const key = await gw.aitronosKey({ orgs: [org()] });
    const s = await signIn({ key: key.key });
    expect((await gw.http.get('/console/api/servers').set('Cookie', s.cookie)).status).toBe(403);
    expect((await gw.http.get('/console/api/servers').set('Cookie', s.cookie).set('X-CSRF-Token', 'guess')).status).toBe(403);
    expect((await asPage(s).get('/servers')).status).toBe(200);
    const crossSite = await asPage(s).post('/servers', { name: 'x', url: 'https://x.example.com/mcp' }).set('Origin', 'https://evil.example');
    expect(crossSite.status).toBe(403);
    expect((await gw.http.get('/console/api/servers')).status).toBe(401);
  });

  it('ends the session for good on sign-out, and at once when its key is revoked', async () => {
    const o = org();
    const key = await gw.aitronosKey({ orgs: [o] });
    const s = await signIn({ key: key.key });
    expect((await asPage(s).delete('/session')).status).toBe(204);
    // The cookie copied before sign-out no longer opens anything.
    expect((await asPage(s).get('/servers')).status).toBe(401);

    const t = await signIn({ key: key.key });
    expect((await asPage(t).get('/servers')).status).toBe(200);
    await gw.services.apiKeys.revoke(key.id);
    expect((await asPage(t).get('/servers')).status).toBe(401);
  });

  it('takes two session cookies (one planted by a sibling site) as none, and a new sign-in ends the browser’s previous session', async () => {
    const key = await gw.aitronosKey({ orgs: [org()] });
    const first = await signIn({ key: key.key });
    const second = await signIn({ key: key.key });
    const both = await gw.http.get('/console/api/session').set('Cookie', `${first.cookie}; ${second.cookie}`);
    expect(both.status).toBe(401);
    const replaced = await gw.http.post('/console/api/session').set('Cookie', first.cookie).set('Content-Type', 'application/json').send({ key: key.key });
    expect(replaced.status).toBe(201);
    expect((await asPage(first).get('/servers')).status).toBe(401);
  });

  it('ends a session unused for 30 minutes, and any session 12 hours after sign-in', async () => {
    let offset = 0;
    const timed = await startTestGateway({ clock: { now: () => Date.now() + offset } });
    try {
      const key = await timed.aitronosKey({ orgs: [org()] });
      const res = await timed.http.post('/console/api/session').set('Content-Type', 'application/json').send({ key: key.key });
      const cookie = (res.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const get = () => timed.http.get('/console/api/servers').set('Cookie', cookie).set('X-CSRF-Token', res.body.csrfToken);
      offset = 29 * 60_000;
      expect((await get()).status).toBe(200);
      offset = 29 * 60_000 + 30 * 60_000 + 1000;
      expect((await get()).status).toBe(401);

      offset = 0;
      const busy = await timed.http.post('/console/api/session').set('Content-Type', 'application/json').send({ key: key.key });
      const busyCookie = (busy.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      const use = () => timed.http.get('/console/api/servers').set('Cookie', busyCookie).set('X-CSRF-Token', busy.body.csrfToken);
      for (let minutes = 25; minutes < 12 * 60; minutes += 25) {
        offset = minutes * 60_000;
        expect((await use()).status).toBe(200);
      }
      offset = 12 * 3_600_000 + 1000;
      expect((await use()).status).toBe(401);
    } finally {
      await timed.close();
    }
  });

  it('counts failed sign-ins toward the per-address limit on failed authentications', async () => {
    const limited = await startTestGateway({ rateLimitPerMinute: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await limited.http.post('/console/api/session').set('Content-Type', 'application/json').send({ key: 'ak_wrong' })).status);
      expect(statuses).toEqual([401, 401, 401, 429]);
    } finally {
      await limited.close();
    }
  });

  it('keeps only hashes of the session: no cookie value or CSRF token in the database', async () => {
    const key = await gw.aitronosKey({ orgs: [org()] });
    const s = await signIn({ key: key.key });
    const token = s.cookie.split('=')[1]!;
    const rows = await gw.services.db.knex('console_sessions').select();
    const dump = JSON.stringify(rows);
    expect(rows.length).toBeGreaterThan(0);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(s.csrf);
    expect(dump).not.toContain(key.key);
  });
});

describe('the console API over the core', () => {
  it('creates a server the Zudu API then shows, and never returns a credential', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const page = asPage(await signIn({ key: admin.key }));
    const created = await page.post('/servers', {
      organizationId: o,
      name: 'console-made',
      url: 'https://mcp.console.example.com/mcp',
      transport: 'streamable_http',
      auth: { type: 'bearer', credentials: { token: 'tok-console-secret-1' } },
      requestHeaders: { 'X-Team': 'hdr-console-secret-2' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'console-made', authType: 'bearer', requestHeaderNames: ['X-Team'], status: 'untested' });
    for (const res of [created, await page.get(`/servers/${created.body.id}`), await page.get(`/servers?organizationId=${o}`)]) {
      expect(JSON.stringify(res.body)).not.toMatch(/tok-console-secret-1|hdr-console-secret-2/);
    }
    const zudu = await gw.zuduKey(o);
    const seen = await gw.http.get(`/api/mcp-servers/${created.body.id}`).set(zudu.headers);
    expect(seen.status).toBe(200);
    expect(seen.body.data).toMatchObject({ id: created.body.id, server_name: 'console-made', server_url: 'https://mcp.console.example.com/mcp' });
  });

  it('words a validation failure as the dialects do, naming the form’s field', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const page = asPage(await signIn({ key: admin.key }));
    const bad = await page.post('/servers', { organizationId: o, name: 'x', url: 'ftp://nowhere' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toEqual({ code: 'VALIDATION_FAILED', field: 'url', message: 'URL must be a valid HTTP/HTTPS URL' });
    const zudu = await gw.zuduKey(o);
    const viaZudu = await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({ config: { name: 'x', url: 'ftp://nowhere', transport: 'SSE' } });
    // The same sentence, with each interface's name for the field.
    expect(JSON.stringify(viaZudu.body)).toContain('must be a valid HTTP/HTTPS URL');
  });

  it('answers hostile bodies and queries with 400 naming the field, never a 500', async () => {
    const o = org();
    const admin = await gw.aitronosKey({ orgs: [o] });
    const page = asPage(await signIn({ key: admin.key }));
    const cases: Array<[() => ReturnType<typeof page.get>, string]> = [
      [() => page.post('/servers', [1, 2]), 'body'],
      [() => page.post('/servers', { organizationId: o, name: 7, url: 'https://a.example.com' }), 'name'],
      [() => page.post('/servers', { organizationId: o, name: 'a', url: 'https://a.example.com', admin: true }), 'admin'],
      [
        () => page.post('/servers', { organizationId: o, name: 'a', url: 'https://a.example.com', auth: { type: 'bearer', credentials: { token: 5 } } }),
        'auth.token',
      ],
      [() => page.post('/servers', { organizationId: o, name: 'a', url: 'https://a.example.com', requestHeaders: { 'X-A': ['x'] } }), 'requestHeaders.X-A'],
      [() => page.get('/servers?limit=0'), 'limit'],
      [() => page.get('/servers?sort=password'), 'sort'],
      [() => page.get('/servers?search=a&search=b'), 'search'],
      [() => page.post('/approvals/apr_x/decision', { decision: 'maybe' }), 'decision'],
    ];
    for (const [send, field] of cases) {
      const res = await send();
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
      expect(res.body.error.field).toBe(field);
    }
    const broken = await page.post('/servers').set('Content-Type', 'application/json').send('{"name":');
    expect(broken.status).toBe(400);
  });

  it('keeps tenants apart: another organization’s server is not found, and a foreign organization is refused', async () => {
    const mine = org();
    const theirs = org();
    const them = await gw.aitronosKey({ orgs: [theirs] });
    const theirServer = await asPage(await signIn({ key: them.key })).post('/servers', {
      organizationId: theirs,
      name: 'theirs',
      url: 'https://t.example.com/mcp',
    });
    const me = asPage(await signIn({ key: (await gw.aitronosKey({ orgs: [mine] })).key }));
    expect((await me.get(`/servers/${theirServer.body.id}`)).status).toBe(404);
    expect((await me.get(`/servers?organizationId=${theirs}`)).status).toBe(403);
    expect((await me.get(`/audit?organizationId=${theirs}`)).status).toBe(403);
  });

  it('lets an admin read the audit trail and its verification; a member is refused both, and another’s server', async () => {
    const o = org();
    const admin = asPage(await signIn({ key: (await gw.aitronosKey({ orgs: [o] })).key }));
    const server = await admin.post('/servers', { organizationId: o, name: 'audited', url: 'https://a.example.com/mcp' });
    const trail = await admin.get(`/audit?organizationId=${o}&action=server.created`);
    expect(trail.status).toBe(200);
    expect(trail.body.items).toEqual([expect.objectContaining({ action: 'server.created', targetId: server.body.id })]);
    expect((await admin.get(`/audit/verify?organizationId=${o}`)).body).toMatchObject({ intact: true });

    const member = asPage(await signIn({ key: (await gw.aitronosKey({ orgs: [o], role: 'member' })).key }));
    expect((await member.get(`/audit?organizationId=${o}`)).status).toBe(403);
    expect((await member.get(`/audit/verify?organizationId=${o}`)).status).toBe(403);
    expect((await member.patch(`/servers/${server.body.id}`, { name: 'renamed' })).status).toBe(403);
    expect((await member.delete(`/servers/${server.body.id}`)).status).toBe(403);
  });

  it('creates, lists, rotates and deletes secrets without ever answering a value', async () => {
    const o = org();
    const page = asPage(await signIn({ key: (await gw.aitronosKey({ orgs: [o] })).key }));
    const created = await page.post('/secrets', { organizationId: o, name: 'shared token', value: 'secret-value-one' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await page.post('/servers', {
      organizationId: o,
      name: 'uses-it',
      url: 'https://u.example.com/mcp',
      auth: { type: 'bearer', credentials: { secretId: id } },
    });
    const listed = await page.get(`/secrets?organizationId=${o}`);
    expect(listed.body.items).toEqual([expect.objectContaining({ id, name: 'shared token', usedBy: [expect.objectContaining({ name: 'uses-it' })] })]);
    const rotated = await page.put(`/secrets/${id}`, { organizationId: o, value: 'secret-value-two' });
    expect(rotated.status).toBe(200);
    for (const res of [created, listed, rotated]) expect(JSON.stringify(res.body)).not.toMatch(/secret-value/);
    // In use: refused until the server lets go of it.
    expect((await page.delete(`/secrets/${id}?organizationId=${o}`)).status).toBe(409);
  });
});

describe('the console page', () => {
  it('is served with a strict Content-Security-Policy, from the gateway itself', async () => {
    const page = await gw.http.get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(page.text).not.toMatch(/https?:\/\//);
    expect((await gw.http.get('/console/assets/console.js')).status).toBe(200);
    expect((await gw.http.get('/console/assets/console.css')).status).toBe(200);
    const script = (await gw.http.get('/console/assets/console.js')).text;
    // Text only: the page never parses strings as HTML.
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    expect((await gw.http.get('/console/assets/other.js')).status).toBe(404);
    // Express matches routes loosely (case, a trailing slash): those paths are no files either.
    expect((await gw.http.get('/console/assets/console.js/')).status).toBe(404);
    expect((await gw.http.get('/console/ASSETS/console.js')).status).toBe(404);
  });
});
