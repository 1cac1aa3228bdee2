import { startHttpServer, type Listening } from '../support/mcp-servers';
import { adminAndMember, type RecordingUpstream, startRecordingUpstream } from '../support/confused-deputy';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * A member tries to have an admin's credential delivered to a URL it controls, through every
 * sequence of calls either dialect offers. The upstream it controls records every request.
 */
const ORG = 'org_deputy';
const ADMIN_INLINE = 'admin-inline-token-7f3a91';
const ADMIN_SHARED = 'admin-shared-secret-c28e44';
const ADMIN_API_KEY = 'admin-api-key-5d1b02';
const ADMIN_ON_MEMBER = 'admin-credential-on-member-server-9a77';

let gw: TestGateway;
let attacker: RecordingUpstream;
let legit: Listening;

let adminKey: string;
let adminZudu: Record<string, string>;
let memberKey: string;
let memberZudu: Record<string, string>;
let adminInlineServer: string;
let adminInlineSecretId: string;

const json = { 'Content-Type': 'application/json' };
const asAdmin = (req: ReturnType<TestGateway['http']['get']>) => req.set('X-API-Key', adminKey);
const asMember = (req: ReturnType<TestGateway['http']['get']>) => req.set('X-API-Key', memberKey);

beforeAll(async () => {
  attacker = await startRecordingUpstream();
  legit = await startHttpServer((_req, res) => res.writeHead(401).end());
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  ({ adminKey, adminZudu, memberKey, memberZudu } = await adminAndMember(gw, ORG, { admin: 'usr_admin', member: 'usr_member' }));

  const inline = await asAdmin(gw.http.post('/v1/mcp-configurations')).send({
    name: 'Admin inline',
    organization_id: ORG,
    server_url: legit.url,
    transport_type: 'streamable_http',
    auth_type: 'bearer_token',
    credentials: { token: ADMIN_INLINE },
  });
  adminInlineServer = inline.body.id;
  await asAdmin(gw.http.post('/v1/mcp-configurations')).send({
    name: 'Admin api key',
    organization_id: ORG,
    server_url: legit.url,
    transport_type: 'streamable_http',
    auth_type: 'api_key',
    credentials: { api_key: ADMIN_API_KEY },
  });
  await gw.http.post('/api/secrets').set(adminZudu).send({ secret_id: 'secret_admin_shared', name: 'Admin shared', value: ADMIN_SHARED });
  const adminSecrets = await gw.http.get('/api/secrets').set(adminZudu);
  adminInlineSecretId = adminSecrets.body.data.secrets.find((s: { used_by: Array<{ id: string }> }) =>
    s.used_by.some((u) => u.id === adminInlineServer),
  ).secret_id;
});

afterAll(async () => {
  await gw.close();
  await attacker.close();
  await legit.close();
});

/** Every credential header the attacker's upstream ever received. */
const deliveredToAttacker = () => attacker.delivered();

async function memberZuduServer(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await gw.http
    .post('/api/mcp-servers')
    .set(memberZudu)
    .send({ config: { url: attacker.url, name: `member ${Math.random().toString(36).slice(2)}`, transport: 'STREAMABLE_HTTP', ...overrides } });
  expect(res.status).toBe(200);
  return res.body.data.id;
}

describe('a member key and the credentials of its organization', () => {
  it('lists only its own secrets in /api/secrets, while an admin lists them all', async () => {
    await gw.http.post('/api/secrets').set(memberZudu).send({ secret_id: 'secret_member_own', name: 'Mine', value: 'member-own-value' });
    const member = await gw.http.get('/api/secrets').set(memberZudu);
    expect(member.status).toBe(200);
    expect(member.body.data.secrets.map((s: { secret_id: string }) => s.secret_id)).toEqual(['secret_member_own']);
    const admin = await gw.http.get('/api/secrets').set(adminZudu);
    const adminIds = admin.body.data.secrets.map((s: { secret_id: string }) => s.secret_id);
    expect(adminIds).toEqual(expect.arrayContaining(['secret_admin_shared', adminInlineSecretId, 'secret_member_own']));
  });

  it("cannot read, overwrite or delete an admin's secret: each answers like a secret that does not exist, and the value is unchanged", async () => {
    for (const id of ['secret_admin_shared', adminInlineSecretId]) {
      expect((await gw.http.get(`/api/secrets/${id}`).set(memberZudu)).status).toBe(404);
      expect((await gw.http.patch(`/api/secrets/${id}`).set(memberZudu).send({ value: 'overwritten' })).status).toBe(404);
      expect((await gw.http.delete(`/api/secrets/${id}`).set(memberZudu)).status).toBe(404);
    }
    const still = await gw.http.get('/api/secrets/secret_admin_shared').set(adminZudu);
    expect(still.status).toBe(200);
    const exported = await gw.cli('export', '--org', ORG, '--format', 'zudu', '--include-secrets');
    expect(exported.stdout + exported.stderr).not.toContain('overwritten');
  });

  it("is refused with 403 in the Zudu envelope when its server names an admin's secret, another server's inline credentials or an id that does not exist", async () => {
    for (const secretId of ['secret_admin_shared', adminInlineSecretId, 'secret_not_there_yet']) {
      const res = await gw.http
        .post('/api/mcp-servers')
        .set(memberZudu)
        .send({ config: { url: attacker.url, name: `steal ${secretId}`, secret_token: { secret_id: secretId } } });
      expect(res.status).toBe(403);
      expect(res.body.status).toBe('error');
      expect(res.body.error).toMatch(/only a secret it owns/);
    }
    const own = await memberZuduServer();
    for (const secretId of ['secret_admin_shared', adminInlineSecretId, 'secret_not_there_yet']) {
      const res = await gw.http
        .patch(`/api/mcp-servers/${own}`)
        .set(memberZudu)
        .send({ config: { secret_token: { secret_id: secretId } } });
      expect(res.status).toBe(403);
    }
    const detail = await gw.http.get(`/api/mcp-servers/${own}`).set(memberZudu);
    expect(detail.body.data.secret_token_id).toBeNull();
  });

  it("refuses even an admin a reference to another server's inline credentials, naming the field in each dialect's words", async () => {
    const zudu = await gw.http
      .post('/api/mcp-servers')
      .set(adminZudu)
      .send({ config: { url: legit.url, name: 'borrows inline', secret_token: { secret_id: adminInlineSecretId } } });
    expect(zudu.status).toBe(400);
    expect(zudu.body.error).toMatch(/^config\.secret_token\.secret_id .*another server's inline credentials/);
    const own = await gw.http
      .post('/api/mcp-servers')
      .set(adminZudu)
      .send({ config: { url: legit.url, name: 'admin plain' } });
    const patch = await gw.http
      .patch(`/api/mcp-servers/${own.body.data.id}`)
      .set(adminZudu)
      .send({ config: { secret_token: { secret_id: adminInlineSecretId } } });
    expect(patch.status).toBe(400);
    // Its own inline secret, named back by id, is still its own.
    const self = await gw.http
      .patch(`/api/mcp-servers/${adminInlineServer}`)
      .set(adminZudu)
      .send({ config: { secret_token: { secret_id: adminInlineSecretId } } });
    expect(self.status).toBe(200);
  });

  it('may attach its own secret to its own server, and change that server in both dialects (Zudu pairs have a user now)', async () => {
    const own = await memberZuduServer({ secret_token: { secret_id: 'secret_member_own' } });
    const zuduPatch = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { description: 'mine' } });
    expect(zuduPatch.status).toBe(200);
    const aitronosPatch = await asMember(gw.http.patch(`/v1/mcp-configurations/${own}`)).send({ name: `renamed ${own}` });
    expect(aitronosPatch.status).toBe(200);
    expect(aitronosPatch.body.userId).toBe('usr_member');
  });

  it('gets a user of its own when issued without one, so a Zudu member pair can change the servers it created', async () => {
    const pair = await gw.zuduKey(ORG, { role: 'member' });
    expect(pair.userId).toMatch(/^usr_/);
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(pair.headers)
      .send({ config: { url: legit.url, name: 'made by a fresh member pair' } });
    expect(created.status).toBe(200);
    const patched = await gw.http
      .patch(`/api/mcp-servers/${created.body.data.id}`)
      .set(pair.headers)
      .send({ config: { description: 'changed by its creator' } });
    expect(patched.status).toBe(200);
    const otherMember = await gw.http
      .patch(`/api/mcp-servers/${created.body.data.id}`)
      .set(memberZudu)
      .send({ config: { description: 'not yours' } });
    expect(otherMember.status).toBe(403);
  });

  it("cannot create a secret under an id that an admin's server already references, so it cannot choose what that server sends", async () => {
    const dangling = await gw.http
      .post('/api/mcp-servers')
      .set(adminZudu)
      .send({ config: { url: legit.url, name: 'Admin seed style', secret_token: { secret_id: 'secret_created_later' } } });
    expect(dangling.status).toBe(200);
    const res = await gw.http.post('/api/secrets').set(memberZudu).send({ secret_id: 'secret_created_later', name: 'x', value: 'member-chosen' });
    expect(res.status).toBe(403);
    const admin = await gw.http.post('/api/secrets').set(adminZudu).send({ secret_id: 'secret_created_later', name: 'x', value: 'admin-chosen' });
    expect(admin.status).toBe(200);
    expect(admin.body.data.used_by.map((u: { id: string }) => u.id)).toEqual([dangling.body.data.id]);
  });

  it('cannot move its own server to another origin while it carries a credential an admin put there, in either dialect; a path change on the same origin is fine', async () => {
    const own = await memberZuduServer({ url: `${legit.url}` });
    // An admin attaches its shared secret to the member's server (the admin's decision).
    expect(
      (
        await gw.http
          .patch(`/api/mcp-servers/${own}`)
          .set(adminZudu)
          .send({ config: { secret_token: { secret_id: 'secret_admin_shared' } } })
      ).status,
    ).toBe(200);
    const zudu = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: attacker.url } });
    expect(zudu.status).toBe(403);
    expect(zudu.body.error).toMatch(/cannot manage/);
    const aitronos = await asMember(gw.http.patch(`/v1/mcp-configurations/${own}`))
      .set(json)
      .send({ server_url: attacker.url });
    expect(aitronos.status).toBe(403);
    expect(aitronos.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    const samePath = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: `${new URL(legit.url).origin}/other-path` } });
    expect(samePath.status).toBe(200);

    // Inline credentials an admin writes onto the member's server are the admin's too.
    const otherCreated = await asMember(gw.http.post('/v1/mcp-configurations')).send({
      name: 'member bearer',
      organization_id: ORG,
      server_url: legit.url,
      transport_type: 'streamable_http',
      auth_type: 'bearer_token',
      credentials: { token: 'member-first-token' },
    });
    const other = otherCreated.body.id as string;
    expect((await asAdmin(gw.http.put(`/v1/mcp-configurations/${other}`)).send({ credentials: { token: ADMIN_ON_MEMBER } })).status).toBe(200);
    expect((await asMember(gw.http.patch(`/v1/mcp-configurations/${other}`)).send({ server_url: attacker.url })).status).toBe(403);
    // Detaching is always allowed; then the server may go anywhere, carrying nothing.
    expect(
      (
        await gw.http
          .patch(`/api/mcp-servers/${own}`)
          .set(memberZudu)
          .send({ config: { secret_token: null } })
      ).status,
    ).toBe(200);
    expect(
      (
        await gw.http
          .patch(`/api/mcp-servers/${own}`)
          .set(memberZudu)
          .send({ config: { url: attacker.url } })
      ).status,
    ).toBe(200);
  });

  it('moves its own credentials with its own server when it changes the origin, and the stored status starts again as untested', async () => {
    const created = await asMember(gw.http.post('/v1/mcp-configurations')).send({
      name: 'member moving',
      organization_id: ORG,
      server_url: legit.url,
      transport_type: 'streamable_http',
      auth_type: 'bearer_token',
      credentials: { token: 'member-own-token' },
    });
    expect(created.status).toBe(201);
    await asMember(gw.http.post(`/v1/mcp-configurations/${created.body.id}/test`));
    expect((await asMember(gw.http.get(`/v1/mcp-configurations/${created.body.id}`))).body.connectionStatus).toBe('failed');
    const moved = await asMember(gw.http.patch(`/v1/mcp-configurations/${created.body.id}`)).send({ server_url: attacker.url });
    expect(moved.status).toBe(200);
    expect(moved.body.connectionStatus).toBe('untested');
    expect(moved.body.errorMessage).toBeNull();
  });

  it("never delivers an admin's credential to the member's upstream, whatever it tests afterwards", async () => {
    const mine = await gw.http.get('/api/mcp-servers?limit=100').set(memberZudu);
    for (const server of mine.body.data.servers as Array<{ id: string }>) {
      await gw.http.get(`/api/mcp-servers/${server.id}/tools`).set(memberZudu);
      await asMember(gw.http.post(`/v1/mcp-configurations/${server.id}/test`));
    }
    expect(attacker.saw.length).toBeGreaterThan(0);
    for (const value of [ADMIN_INLINE, ADMIN_SHARED, ADMIN_API_KEY, ADMIN_ON_MEMBER, 'admin-chosen']) {
      expect(deliveredToAttacker()).not.toContain(value);
    }
  });
});

describe("a server's inline credentials", () => {
  it('survive the deletion or re-crediting of their server while another server still references them (data from before such references were refused)', async () => {
    const owner = await asAdmin(gw.http.post('/v1/mcp-configurations')).send({
      name: 'Owner of inline',
      organization_id: ORG,
      server_url: legit.url,
      transport_type: 'streamable_http',
      auth_type: 'bearer_token',
      credentials: { token: 'inline-shared-by-legacy-reference' },
    });
    const ownerServer = await gw.services.store.servers.findById(owner.body.id);
    const secretId = (ownerServer!.auth as { secretId: string }).secretId;
    // A reference the API now refuses, written the way older versions let it be written.
    const referrer = await gw.http
      .post('/api/mcp-servers')
      .set(adminZudu)
      .send({ config: { url: legit.url, name: 'Legacy referrer' } });
    const referrerServer = await gw.services.store.servers.findById(referrer.body.data.id);
    await gw.services.store.servers.update({ ...referrerServer!, auth: { type: 'bearer', secretId } });

    expect((await asAdmin(gw.http.put(`/v1/mcp-configurations/${owner.body.id}`)).send({ credentials: { token: 'rotated' } })).status).toBe(200);
    expect(await gw.services.store.secrets.findById(ORG, secretId)).not.toBeNull();
    expect((await asAdmin(gw.http.delete(`/v1/mcp-configurations/${owner.body.id}`))).status).toBe(204);
    const kept = await gw.services.store.secrets.findById(ORG, secretId);
    expect(kept).not.toBeNull();
    expect(kept!.managedBy).toBeNull();
    // Nobody can take the id over to choose what the referrer sends.
    const takeover = await gw.http.post('/api/secrets').set(memberZudu).send({ secret_id: secretId, name: 'x', value: 'mine' });
    expect([403, 409]).toContain(takeover.status);
    expect(await gw.services.store.secrets.findById(ORG, secretId)).toMatchObject({ ciphertext: kept!.ciphertext });
    const detail = await gw.http.get(`/api/mcp-servers/${referrer.body.data.id}`).set(adminZudu);
    expect(detail.body.data.secret_token_id).toBe(secretId);
  });
});
