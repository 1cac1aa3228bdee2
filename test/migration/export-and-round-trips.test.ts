import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
const dir = mkdtempSync(join(tmpdir(), 'mcp-export-'));
const ORG = 'org_source';
const SECRETS = {
  bearer: 'export-bearer-5ecret',
  apiKey: 'export-api-k3y',
  header: 'export-header-va1ue',
  clientSecret: 'export-client-5ecret',
  shared: 'export-shared-5ecret',
};
let aitronosKey: string;
let zudu: Record<string, string>;

/** An organization that uses every field both dialects can set. */
async function seed(): Promise<void> {
  ({ key: aitronosKey } = await gw.aitronosKey({ orgs: [ORG] }));
  ({ headers: zudu } = await gw.zuduKey(ORG));
  const a = (body: Record<string, unknown>) =>
    gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', aitronosKey)
      .send({ organization_id: ORG, ...body });
  await a({
    name: 'Bearer one',
    server_url: 'https://bearer.example.com/mcp',
    transport_type: 'streamable_http',
    auth_type: 'bearer_token',
    credentials: { token: SECRETS.bearer },
    tool_configuration: { enabled: true, allowed_tools: ['search'] },
  });
  await a({
    name: 'Keyed',
    server_url: 'https://keyed.example.com/mcp',
    transport_type: 'sse',
    auth_type: 'api_key',
    credentials: { api_key: SECRETS.apiKey, header_name: 'X-Key' },
  });
  await a({
    name: 'OAuth',
    server_url: 'https://oauth.example.com/mcp',
    transport_type: 'sse',
    auth_type: 'oauth',
    credentials: { client_id: 'gw', client_secret: SECRETS.clientSecret, token_url: 'https://auth.example.com/token', scope: 'tools' },
  });
  await gw.http.post('/api/secrets').set(zudu).send({ secret_id: 'secret_shared', name: 'Shared token', value: SECRETS.shared });
  const z = await gw.http
    .post('/api/mcp-servers')
    .set(zudu)
    .send({
      config: {
        name: 'Zudu full',
        url: 'https://zudu.example.com/mcp',
        transport: 'STREAMABLE_HTTP',
        description: 'Everything Zudu can say',
        approval_policy: 'require_approval_per_tool',
        request_headers: { 'X-Team': SECRETS.header },
        secret_token: { secret_id: 'secret_shared' },
      },
    });
  await gw.http
    .post(`/api/mcp-servers/${z.body.data.id}/tool-approvals`)
    .set(zudu)
    .send({ tool_name: 'refund', tool_description: 'Refund', approval_policy: 'auto_approved' });
  await gw.http.patch(`/v1/mcp-configurations/${z.body.data.id}`).set('X-API-Key', aitronosKey).send({ is_active: false });
}

beforeAll(async () => {
  gw = await startTestGateway();
  await seed();
});
afterAll(() => gw.close());

const exportTo = async (format: string, ...flags: string[]) => {
  const out = join(dir, `${format}-${flags.join('')}-${Math.random()}.json`);
  const res = await gw.cli('export', '--org', ORG, '--format', format, '--out', out, ...flags);
  expect(res.code).toBe(0);
  return { out, text: readFileSync(out, 'utf8'), stderr: res.stderr };
};

/** Both views of an organization, without what differs by nature between two copies. */
async function views(on: TestGateway, org: string, keepIds: boolean) {
  const { key } = await on.aitronosKey({ orgs: [org] });
  const { headers } = await on.zuduKey(org);
  const list = (await on.http.get('/v1/mcp-configurations').query({ organization_id: org }).set('X-API-Key', key)).body.configurations as any[];
  const detail = await Promise.all(list.map(async (c) => (await on.http.get(`/api/mcp-servers/${c.id}`).set(headers)).body.data));
  const strip = (o: any) =>
    keepIds
      ? o
      : {
          ...o,
          id: undefined,
          organizationId: undefined,
          organization_id: undefined,
          userId: undefined,
          createdAt: undefined,
          updatedAt: undefined,
          created_at: undefined,
          updated_at: undefined,
          secret_token_id: o.secret_token_id ? 'secret' : null,
        };
  const byName = (a: any, b: any) => ((a.name ?? a.server_name) < (b.name ?? b.server_name) ? -1 : 1);
  return { aitronos: list.map(strip).sort(byName), zudu: detail.map(strip).sort(byName) };
}

describe('mcp-gateway export', () => {
  it.each(['aitronos', 'zudu', 'native'])('writes %s without any secret value unless asked, in a file only its owner can read', async (format) => {
    const { out, text } = await exportTo(format);
    for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
    expect(statSync(out).mode & 0o777).toBe(0o600);
  });

  it('writes Aitronos create bodies, with credentials only under --include-secrets, and says what it cannot carry', async () => {
    const plain = await exportTo('aitronos');
    const bodies = JSON.parse(plain.text);
    expect(bodies.find((b: any) => b.name === 'Keyed')).toEqual({
      name: 'Keyed',
      organization_id: ORG,
      server_url: 'https://keyed.example.com/mcp',
      transport_type: 'sse',
      auth_type: 'api_key',
      tool_configuration: { enabled: true, allowed_tools: null },
    });
    expect(plain.stderr).toMatch(/Keyed: exported without its credentials \(use --include-secrets\)/);
    expect(plain.stderr).toMatch(/Zudu full: the Aitronos format cannot carry its description, request headers, approval policy, tool approvals/);
    const secret = JSON.parse((await exportTo('aitronos', '--include-secrets')).text);
    expect(secret.find((b: any) => b.name === 'Keyed').credentials).toEqual({ api_key: SECRETS.apiKey, header_name: 'X-Key' });
    expect(secret.find((b: any) => b.name === 'OAuth').credentials).toEqual({
      client_id: 'gw',
      client_secret: SECRETS.clientSecret,
      token_url: 'https://auth.example.com/token',
      scope: 'tools',
    });
  });

  it('writes the secrets to create first, Zudu create bodies that reference them, and the tool approvals', async () => {
    const file = JSON.parse((await exportTo('zudu', '--include-secrets')).text);
    expect(file.secrets).toEqual(expect.arrayContaining([{ secret_id: 'secret_shared', name: 'Shared token', value: SECRETS.shared }]));
    expect(file.servers.find((s: any) => s.config.name === 'Zudu full').config).toEqual({
      url: 'https://zudu.example.com/mcp',
      name: 'Zudu full',
      approval_policy: 'require_approval_per_tool',
      transport: 'STREAMABLE_HTTP',
      description: 'Everything Zudu can say',
      request_headers: { 'X-Team': SECRETS.header },
      secret_token: { secret_id: 'secret_shared' },
    });
    expect(file.tool_approvals).toEqual([
      { server_name: 'Zudu full', tool_name: 'refund', tool_hash: expect.stringMatching(/^[0-9a-f]{64}$/), approval_policy: 'auto_approved' },
    ]);
  });

  it('refuses --include-secrets for a native backup', async () => {
    const res = await gw.cli('export', '--org', ORG, '--format', 'native', '--include-secrets');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/keep secrets encrypted/);
  });
});

describe('round trips', () => {
  it('native export then import into an empty database gives identical views in both dialects, ids included', async () => {
    const { out } = await exportTo('native');
    const target = await startTestGateway();
    try {
      // A second gateway has a key of its own: without --rekey its secrets cannot be read.
      const refused = await target.cli('import', out, '--org', ORG, '--json');
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout).results[0].error).toMatch(/--rekey and MCP_GATEWAY_SOURCE_ENCRYPTION_KEY/);
      process.env.MCP_GATEWAY_SOURCE_ENCRYPTION_KEY = gw.encryptionKeyBase64;
      const restored = await target.cli('import', out, '--org', ORG, '--rekey', '--json').finally(() => delete process.env.MCP_GATEWAY_SOURCE_ENCRYPTION_KEY);
      expect(restored.code).toBe(0);
      expect(await views(target, ORG, true)).toEqual(await views(gw, ORG, true));
      const again = await target.cli('import', out, '--org', ORG, '--json');
      expect(JSON.parse(again.stdout).summary).toMatchObject({ create: 0, imported: 0 });
    } finally {
      await target.close();
    }
  });

  it.each(['aitronos', 'zudu'])('a %s export fed back through import recreates the same servers in a fresh organization', async (format) => {
    const { out } = await exportTo(format, '--include-secrets');
    const fresh = `org_copy_${format}`;
    const res = await gw.cli('import', out, '--org', fresh, '--json');
    expect(res.code).toBe(0);
    const copy = await views(gw, fresh, false);
    const original = await views(gw, ORG, false);
    // What each format cannot carry is left out of the comparison: that is what its warnings said.
    const shared = (v: any) =>
      format === 'aitronos'
        ? v.aitronos.map((c: any) => ({ ...c, isActive: true }))
        : v.zudu.map((s: any) => ({ ...s, request_headers: Object.keys(s.request_headers).filter((h) => h !== 'X-Key') }));
    expect(shared(copy)).toEqual(shared(original));
  });
});
