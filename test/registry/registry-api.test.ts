import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { gatewayUrl } from '../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

// The registry's published OpenAPI document (vendored in schemas/, source and version noted there).
const spec = parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'registry.openapi.yaml'), 'utf8')) as {
  components: { schemas: Record<string, unknown> };
};
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'registry', components: spec.components });
const validate = (schema: 'ServerList' | 'ServerResponse' | 'Error', body: unknown) => {
  const check = ajv.getSchema(`registry#/components/schemas/${schema}`)!;
  if (!check(body)) throw new Error(`${schema}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body, null, 2)}`);
};

let gw: TestGateway;
beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

const org = () => `org_reg.${Math.random().toString(36).slice(2, 8)}`;

/** An organization with servers made through the Aitronos API (secrets in them), and an admin key. */
async function organization(names: string[], extra: Record<string, unknown> = {}) {
  const o = org();
  const admin = await gw.aitronosKey({ orgs: [o] });
  const ids: string[] = [];
  for (const name of names) {
    const res = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({
        organization_id: o,
        name,
        server_url: `https://upstream-secret-host.example.com/${encodeURIComponent(name)}/mcp`,
        transport_type: 'streamable_http',
        auth_type: 'bearer',
        credentials: { token: 'upstream-bearer-token' },
        ...extra,
      });
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  }
  return { o, admin, ids };
}

const list = (o: string, key: string, query = '') => gw.http.get(`/registry/${encodeURIComponent(o)}/v0.1/servers${query}`).set('X-API-Key', key);

describe('the MCP Registry API of an organization', () => {
  it('lists the organization’s active servers in the registry’s shape, each pointing at this gateway’s MCP endpoint', async () => {
    const { o, admin, ids } = await organization(['Weather Service', 'Docs']);
    await gw.http.patch(`/v1/mcp-configurations/${ids[1]}`).set('X-API-Key', admin.key).send({ is_active: false });
    const res = await list(o, admin.key);
    expect(res.status).toBe(200);
    validate('ServerList', res.body);
    const namespace = `local.mcp-gateway.${o.replace(/[^a-z0-9-]+/g, '-')}`;
    expect(res.body).toEqual({
      servers: [
        {
          server: expect.objectContaining({
            name: `${namespace}/weather-service`,
            title: 'Weather Service',
            version: expect.stringMatching(/^1\.0\.\d+$/),
            remotes: [expect.objectContaining({ type: 'streamable-http', url: gatewayUrl(gw, `/mcp/${ids[0]}`) })],
          }),
          _meta: { 'io.modelcontextprotocol.registry/official': expect.objectContaining({ status: 'active', isLatest: true }) },
        },
      ],
      metadata: { count: 1 },
    });
    // Nothing of the upstream: no URL, host or credential.
    expect(JSON.stringify(res.body)).not.toMatch(/upstream-secret-host|upstream-bearer-token/);
  });

  it('gives stable, unique names: the same on every read, the oldest keeps a shared slug, the others a suffix from their id', async () => {
    const { o, admin, ids } = await organization(['Café Tools', 'cafe tools!', 'CAFE-TOOLS', 'foo', 'Foo!']);
    const names = () => list(o, admin.key).then((r) => r.body.servers.map((s: { server: { name: string } }) => s.server.name.split('/')[1] as string));
    const first = await names();
    expect(first).toEqual(['cafe-tools', `cafe-tools-${ids[1]!.slice(-8)}`, `cafe-tools-${ids[2]!.slice(-8)}`, 'foo', `foo-${ids[4]!.slice(-8)}`]);
    expect(await names()).toEqual(first);
    // A server named like another's suffixed name does not take it, and adding servers renames none.
    const more = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({ organization_id: o, name: `foo-${ids[4]!.slice(-8)}`, server_url: 'https://x.example.com/mcp', transport_type: 'sse', auth_type: 'none' });
    expect(more.status).toBe(201);
    const after = await names();
    expect(after.slice(0, 5)).toEqual(first);
    expect(new Set(after).size).toBe(6);
  });

  it('keeps names and texts within the published limits for long and unusual organization ids and names', async () => {
    const o = `Org_${'x'.repeat(200)}:team.${Math.random().toString(36).slice(2, 6)}`;
    const admin = await gw.aitronosKey({ orgs: [o] });
    const zudu = await gw.zuduKey(o);
    for (const name of ['💡'.repeat(120), '...', `${'Ω'.repeat(99)}😀😀`, '<script>']) {
      const res = await gw.http
        .post('/api/mcp-servers')
        .set(zudu.headers)
        .send({ config: { name, description: '😀'.repeat(150), url: 'https://u.example.com/mcp', transport: 'SSE' } });
      expect({ name, status: res.status, body: res.status === 200 ? null : res.body }).toEqual({ name, status: 200, body: null });
    }
    const listed = await gw.http.get(`/registry/${encodeURIComponent(o)}/v0.1/servers`).set('X-API-Key', admin.key);
    expect(listed.status).toBe(200);
    validate('ServerList', listed.body);
    const names = listed.body.servers.map((s: { server: { name: string } }) => s.server.name);
    expect(new Set(names).size).toBe(4);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(200);
  });

  it('serves a server’s versions and its latest (or exact) version by name, and 404 in the registry’s error shape', async () => {
    const { o, admin, ids } = await organization(['one']);
    const [entry] = (await list(o, admin.key)).body.servers;
    const name = encodeURIComponent(entry.server.name);
    const versions = await gw.http.get(`/registry/${o}/v0.1/servers/${name}/versions`).set('X-API-Key', admin.key);
    validate('ServerList', versions.body);
    expect(versions.body.servers).toEqual([entry]);
    for (const v of ['latest', entry.server.version]) {
      const one = await gw.http.get(`/registry/${o}/v0.1/servers/${name}/versions/${v}`).set('X-API-Key', admin.key);
      expect(one.status).toBe(200);
      validate('ServerResponse', one.body);
      expect(one.body).toEqual(entry);
    }
    const wrongVersion = await gw.http.get(`/registry/${o}/v0.1/servers/${name}/versions/9.9.9`).set('X-API-Key', admin.key);
    expect(wrongVersion.status).toBe(404);
    expect(wrongVersion.body).toEqual({ error: 'Server version not found' });
    const unknown = await gw.http.get(`/registry/${o}/v0.1/servers/${encodeURIComponent('local.mcp-gateway.x/nope')}/versions`).set('X-API-Key', admin.key);
    expect(unknown.status).toBe(404);
    validate('Error', unknown.body);
    expect(unknown.body).toEqual({ error: 'Server not found' });
    const odd = await gw.http.get(`/registry/${o}/v0.1/servers/${encodeURIComponent('a@b')}/versions/latest`).set('X-API-Key', admin.key);
    expect(odd.body).toEqual({ error: 'Server not found' });
    // An edit is a newer version.
    await new Promise((r) => setTimeout(r, 1100));
    await gw.http.patch(`/v1/mcp-configurations/${ids[0]}`).set('X-API-Key', admin.key).send({ name: 'one', is_active: true });
    const after = (await gw.http.get(`/registry/${o}/v0.1/servers/${name}/versions/latest`).set('X-API-Key', admin.key)).body;
    expect(after.server.version).not.toBe(entry.server.version);
  });

  it('pages with the cursor it gives, filters by name (never by URL), by updated_since and by version', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `tool-${i}`);
    const { o, admin } = await organization(names);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const res = await list(o, admin.key, `?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      validate('ServerList', res.body);
      seen.push(...res.body.servers.map((s: { server: { title: string } }) => s.server.title));
      cursor = res.body.metadata.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(names);
    expect((await list(o, admin.key, '?search=TOOL-3')).body.servers.map((s: { server: { title: string } }) => s.server.title)).toEqual(['tool-3']);
    expect((await list(o, admin.key, '?search=upstream-secret-host')).body.servers).toEqual([]);
    expect((await list(o, admin.key, '?updated_since=2999-01-01T00:00:00Z')).body.servers).toEqual([]);
    expect((await list(o, admin.key, '?updated_since=2000-01-01T00:00:00Z')).body.servers).toHaveLength(7);
    expect((await list(o, admin.key, '?version=latest&limit=100')).body.servers).toHaveLength(7);
    expect((await list(o, admin.key, '?version=0.0.1')).body.servers).toEqual([]);
    for (const bad of ['?limit=0', '?limit=101', '?limit=x', '?cursor=bm90LW91cnM', '?updated_since=yesterday', '?search=a&search=b']) {
      const res = await list(o, admin.key, bad);
      expect({ bad, status: res.status }).toEqual({ bad, status: 400 });
      validate('Error', res.body);
    }
  });
});

describe('who reads a registry', () => {
  it('takes a gateway key of either dialect, or a registry token (header or path); refuses other organizations and revoked tokens', async () => {
    const { o } = await organization(['reachable']);
    const zudu = await gw.zuduKey(o, { role: 'member' });
    expect((await gw.http.get(`/registry/${o}/v0.1/servers`).set(zudu.headers)).body.servers).toHaveLength(1);

    const created = await gw.cli('registry', 'token', 'create', '--org', o, '--label', 'vs code', '--json');
    expect(created.code).toBe(0);
    const { id, token, registryUrl } = JSON.parse(created.stdout) as { id: string; token: string; registryUrl: string };
    expect(token).toMatch(/^rt_/);
    expect(registryUrl).toMatch(new RegExp(`/registry/${o.replace('.', '\\.')}/token/${token}$`));
    expect((await gw.http.get(`/registry/${o}/v0.1/servers`).set('Authorization', `Bearer ${token}`)).body.servers).toHaveLength(1);
    const byPath = await gw.http.get(`/registry/${o}/token/${token}/v0.1/servers`);
    expect(byPath.status).toBe(200);
    expect(byPath.body.servers).toHaveLength(1);
    // Routes match regardless of case; the token is still redacted.
    expect((await gw.http.get(`/registry/${o}/TOKEN/${token}/v0.1/servers`)).status).toBe(200);
    // The token is in no log line and no metric: paths are redacted, routes named by their template.
    expect(gw.logs.join('\n')).not.toContain(token);
    expect(gw.logs.join('\n')).toContain('/registry/:org_id/token/:token/v0.1/servers');
    const metrics = (await gw.http.get('/metrics')).text;
    expect(metrics).not.toContain(token);
    expect(metrics).not.toContain(o);

    // A token reads its own organization's registry, and nothing else.
    const other = org();
    expect((await gw.http.get(`/registry/${other}/token/${token}/v0.1/servers`)).status).toBe(403);
    expect((await gw.http.get('/v1/mcp-configurations').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const outsider = await gw.aitronosKey({ orgs: [other] });
    expect((await gw.http.get(`/registry/${o}/v0.1/servers`).set('X-API-Key', outsider.key)).status).toBe(403);

    expect((await gw.cli('registry', 'token', 'list', '--org', o)).stdout).toMatch(new RegExp(`^${id} .* active +vs code$`, 'm'));
    expect((await gw.cli('registry', 'token', 'revoke', id)).code).toBe(0);
    const revoked = await gw.http.get(`/registry/${o}/token/${token}/v0.1/servers`);
    expect(revoked.status).toBe(401);
    expect(revoked.headers['www-authenticate']).toBe('Bearer realm="registry"');
    validate('Error', revoked.body);
    expect((await gw.http.get(`/registry/${o}/v0.1/servers`)).status).toBe(401);
  });

  it('answers browsers with the CORS headers registry clients expect, preflight included', async () => {
    const { o, admin } = await organization(['cors']);
    const preflight = await gw.http
      .options(`/registry/${o}/v0.1/servers`)
      .set('Origin', 'https://vscode.dev')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': expect.stringContaining('Authorization, Content-Type'),
    });
    const res = await list(o, admin.key).set('Origin', 'https://vscode.dev');
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('a registry behind MCP_GATEWAY_CORS_ORIGINS', () => {
  it('still answers any origin and its preflight, while the APIs keep their own origins', async () => {
    const restricted = await startTestGateway({ corsOrigins: ['https://app.example.com'] });
    try {
      const preflight = await restricted.http
        .options('/registry/org_any/v0.1/servers')
        .set('Origin', 'https://vscode.dev')
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe('*');
      const api = await restricted.http.options('/v1/mcp-configurations').set('Origin', 'https://vscode.dev').set('Access-Control-Request-Method', 'GET');
      expect(api.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await restricted.close();
    }
  });
});
