import { startHttpServer, type Listening } from '../support/mcp-servers';
import { adminAndMember, type RecordingUpstream, startRecordingUpstream } from '../support/confused-deputy';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Sequences in which a member tries to take a value an admin wrote onto the member's own server
 * (a header, a rotation, a seeded secret) to an upstream the member chose. `attacker` records
 * every request; `legit` is where the admin meant its credential to go.
 */
const ORG = 'org_deputy_review';
const ADMIN_HEADER = 'admin-header-value-41c0de';
const ADMIN_ROTATED = 'admin-rotated-into-member-secret-88aa17';
const ADMIN_SEEDED = 'admin-seeded-after-member-moved-3be9f0';

let gw: TestGateway;
let attacker: RecordingUpstream;
let legit: Listening;

let adminZudu: Record<string, string>;
let memberZudu: Record<string, string>;
let memberKey: string;

const deliveredToAttacker = () => attacker.delivered();

beforeAll(async () => {
  attacker = await startRecordingUpstream();
  legit = await startHttpServer((_req, res) => res.writeHead(401).end());
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  ({ adminZudu, memberKey, memberZudu } = await adminAndMember(gw, ORG, { admin: 'usr_admin', member: 'usr_member' }));
});

afterAll(async () => {
  await gw.close();
  await attacker.close();
  await legit.close();
});

async function memberServer(config: Record<string, unknown> = {}): Promise<string> {
  const res = await gw.http
    .post('/api/mcp-servers')
    .set(memberZudu)
    .send({ config: { url: legit.url, name: `member ${Math.random().toString(36).slice(2)}`, transport: 'STREAMABLE_HTTP', ...config } });
  expect(res.status).toBe(200);
  return res.body.data.id;
}

/** The member probes its server through both dialects, so whatever it carries is sent. */
async function memberProbes(id: string): Promise<void> {
  await gw.http.get(`/api/mcp-servers/${id}/tools`).set(memberZudu);
  await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', memberKey);
}

describe('a member moving its own server to another origin', () => {
  it('refuses a member moving its server to another origin while it carries request-header values an admin wrote (Zudu request_headers)', async () => {
    const own = await memberServer();
    // The admin configures the member's server for it: a header value meant for `legit` only.
    const byAdmin = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(adminZudu)
      .send({ config: { request_headers: { 'X-Team-Token': ADMIN_HEADER } } });
    expect(byAdmin.status).toBe(200);
    // The member moves the server, keeping the header (absent = kept; the mask would keep it too).
    const moved = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: attacker.url } });
    await memberProbes(own);
    expect(deliveredToAttacker()).not.toContain(ADMIN_HEADER);
    expect(moved.status).toBe(403);
  });

  it('refuses the same move through the Aitronos dialect, and through Zudu with the header sent back as the mask', async () => {
    const own = await memberServer();
    expect(
      (
        await gw.http
          .patch(`/api/mcp-servers/${own}`)
          .set(adminZudu)
          .send({ config: { request_headers: { 'X-Team-Token': `${ADMIN_HEADER}-2` } } })
      ).status,
    ).toBe(200);
    const aitronos = await gw.http.patch(`/v1/mcp-configurations/${own}`).set('X-API-Key', memberKey).send({ server_url: attacker.url });
    const back = `${new URL(attacker.url).origin}/elsewhere`;
    const zudu = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: back, request_headers: { 'X-Team-Token': '********' } } });
    await memberProbes(own);
    expect(deliveredToAttacker()).not.toContain(`${ADMIN_HEADER}-2`);
    expect(aitronos.status).toBe(403);
    expect(zudu.status).toBe(403);
  });

  it("refuses a member moving its server after an admin rotated the member's own secret to an admin value", async () => {
    const created = await gw.http.post('/api/secrets').set(memberZudu).send({ secret_id: 'secret_member_rotated', name: 'mine', value: 'member-first-value' });
    expect(created.status).toBe(200);
    const own = await memberServer({ secret_token: { secret_id: 'secret_member_rotated' } });
    // The admin rotates the secret (used_by shows the member's server at `legit`) to a real credential.
    const rotated = await gw.http.patch('/api/secrets/secret_member_rotated').set(adminZudu).send({ value: ADMIN_ROTATED });
    expect(rotated.status).toBe(200);
    // The value's writer owns it now: the member can neither move it nor see it.
    expect((await gw.http.get('/api/secrets/secret_member_rotated').set(memberZudu)).status).toBe(404);
    const moved = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: attacker.url } });
    // Or attach the same secret to a second server pointing at the attacker directly.
    const second = await gw.http
      .post('/api/mcp-servers')
      .set(memberZudu)
      .send({
        config: { url: attacker.url, name: 'second use of rotated', transport: 'STREAMABLE_HTTP', secret_token: { secret_id: 'secret_member_rotated' } },
      });
    await memberProbes(own);
    if (second.status === 200) await memberProbes(second.body.data.id);
    expect(deliveredToAttacker()).not.toContain(ADMIN_ROTATED);
    expect(moved.status).toBe(403);
    expect(second.status).toBe(403);
  });

  it('refuses a member moving its server while it references a secret id an admin attached before creating it (Zudu seed order)', async () => {
    const own = await memberServer();
    // The admin, in the seed's order, names the id first (allowed for admins) ...
    const attach = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(adminZudu)
      .send({ config: { secret_token: { secret_id: 'secret_seed_later' } } });
    expect(attach.status).toBe(200);
    // ... the member moves the server while the id dangles: nothing exists to be checked ...
    const moved = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: attacker.url } });
    // ... and the admin creates the secret it attached, for the server it attached it to.
    const seeded = await gw.http.post('/api/secrets').set(adminZudu).send({ secret_id: 'secret_seed_later', name: 'seed', value: ADMIN_SEEDED });
    expect(seeded.status).toBe(200);
    await memberProbes(own);
    expect(deliveredToAttacker()).not.toContain(ADMIN_SEEDED);
    expect(moved.status).toBe(403);
  });

  it('lets a member move its server with header values it wrote itself, or with new values for headers an admin wrote', async () => {
    const own = await memberServer({ request_headers: { 'X-Mine': 'member-own-header' } });
    const moved = await gw.http
      .patch(`/api/mcp-servers/${own}`)
      .set(memberZudu)
      .send({ config: { url: `${attacker.url}?own` } });
    expect(moved.status).toBe(200);
    expect(moved.body.data.request_headers).toEqual({ 'X-Mine': '********' });

    const other = await memberServer();
    await gw.http
      .patch(`/api/mcp-servers/${other}`)
      .set(adminZudu)
      .send({ config: { request_headers: { 'X-Team-Token': `${ADMIN_HEADER}-3` } } });
    const replaced = await gw.http
      .patch(`/api/mcp-servers/${other}`)
      .set(memberZudu)
      .send({ config: { url: attacker.url, request_headers: { 'X-Team-Token': 'member-replacement' } } });
    expect(replaced.status).toBe(200);
    await memberProbes(other);
    expect(deliveredToAttacker()).toContain('member-replacement');
    expect(deliveredToAttacker()).not.toContain(`${ADMIN_HEADER}-3`);
  });
});
