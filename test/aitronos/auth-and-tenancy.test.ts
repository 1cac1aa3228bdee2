import { aitronosCreateBody } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let adminA: string;
let adminB: string;
let memberA: { key: string; userId: string | null };
let otherMemberA: { key: string; userId: string | null };

beforeAll(async () => {
  gw = await startTestGateway();
  adminA = (await gw.aitronosKey({ orgs: ['org_a'], role: 'admin' })).key;
  adminB = (await gw.aitronosKey({ orgs: ['org_b'], role: 'admin' })).key;
  memberA = await gw.aitronosKey({ orgs: ['org_a'], role: 'member' });
  otherMemberA = await gw.aitronosKey({ orgs: ['org_a'], role: 'member' });
});
afterAll(() => gw.close());

const createAs = async (key: string, org: string, overrides: Record<string, unknown> = {}) => {
  const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody(org, overrides));
  expect(res.status).toBe(201);
  return res.body as Record<string, any>;
};

describe('authentication', () => {
  it('answers 401 AUTHENTICATION_REQUIRED without a key', async () => {
    const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_a' });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: 'AUTHENTICATION_REQUIRED', type: 'authentication_error', status: 401 });
  });

  it.each([
    ['an unknown ak_ key', 'ak_unknownunknownunknown'],
    ['a key of another shape', 'not-a-key'],
    ['a Zudu-style key', 'sk_abcdef'],
  ])('answers 401 INVALID_API_KEY for %s', async (_label, key) => {
    const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_a' }).set('X-API-Key', key);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('INVALID_API_KEY');
  });

  it('refuses a revoked key at once', async () => {
    const issued = await gw.aitronosKey({ orgs: ['org_a'] });
    const before = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_a' }).set('X-API-Key', issued.key);
    expect(before.status).toBe(200);
    await gw.services.apiKeys.revoke(issued.id);
    const after = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_a' }).set('X-API-Key', issued.key);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('INVALID_API_KEY');
  });

  it('stores keys only as hashes', async () => {
    const issued = await gw.aitronosKey({ orgs: ['org_a'] });
    expect(await gw.database.rawContents()).not.toContain(issued.key);
  });
});

describe('tenancy', () => {
  it('answers 403 ORGANIZATION_ACCESS_DENIED when a create names another organization, and writes nothing', async () => {
    const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', adminA).send(aitronosCreateBody('org_b'));
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ORGANIZATION_ACCESS_DENIED');
    const list = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_b' }).set('X-API-Key', adminB);
    expect(list.body.total).toBe(0);
  });

  it('answers 403 ORGANIZATION_ACCESS_DENIED when a list names another organization', async () => {
    const res = await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_b' }).set('X-API-Key', adminA);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('ORGANIZATION_ACCESS_DENIED');
  });

  it("answers another organization's id exactly like an id that does not exist, on every route", async () => {
    const theirs = await createAs(adminB, 'org_b');
    const requests = [
      (id: string) => gw.http.get(`/v1/mcp-configurations/${id}`),
      (id: string) => gw.http.put(`/v1/mcp-configurations/${id}`).send({ name: 'taken over' }),
      (id: string) => gw.http.patch(`/v1/mcp-configurations/${id}`).send({ name: 'taken over' }),
      (id: string) => gw.http.delete(`/v1/mcp-configurations/${id}`),
    ];
    for (const request of requests) {
      const foreign = await request(theirs.id).set('X-API-Key', adminA);
      const missing = await request('mcp_nonexistent').set('X-API-Key', adminA);
      expect(foreign.status).toBe(404);
      // Identical but for the id itself, the request id and the time.
      const strip = (body: any, id: string) =>
        JSON.parse(
          JSON.stringify({ ...body.error, trace_id: undefined, timestamp: undefined })
            .split(id)
            .join('<id>'),
        );
      expect(strip(foreign.body, theirs.id)).toEqual(strip(missing.body, 'mcp_nonexistent'));
      expect(JSON.stringify(foreign.body)).not.toContain(theirs.name);
    }
    const untouched = await gw.http.get(`/v1/mcp-configurations/${theirs.id}`).set('X-API-Key', adminB);
    expect(untouched.body).toEqual(theirs);
  });

  it('lets a key with several organizations work in each of them', async () => {
    const both = (await gw.aitronosKey({ orgs: ['org_a', 'org_b'] })).key;
    await createAs(both, 'org_a');
    await createAs(both, 'org_b');
  });
});

describe('roles', () => {
  it('lets a member read every configuration of its organization', async () => {
    const adminOwned = await createAs(adminA, 'org_a');
    const res = await gw.http.get(`/v1/mcp-configurations/${adminOwned.id}`).set('X-API-Key', memberA.key);
    expect(res.status).toBe(200);
  });

  it("refuses a member changing or deleting an admin's configuration with 403 INSUFFICIENT_PERMISSIONS", async () => {
    const adminOwned = await createAs(adminA, 'org_a');
    const update = await gw.http.patch(`/v1/mcp-configurations/${adminOwned.id}`).set('X-API-Key', memberA.key).send({ name: 'mine now' });
    const remove = await gw.http.delete(`/v1/mcp-configurations/${adminOwned.id}`).set('X-API-Key', memberA.key);
    for (const res of [update, remove]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('INSUFFICIENT_PERMISSIONS');
    }
    const read = await gw.http.get(`/v1/mcp-configurations/${adminOwned.id}`).set('X-API-Key', adminA);
    expect(read.body).toEqual(adminOwned);
  });

  it("refuses a member changing another member's configuration", async () => {
    const theirs = await createAs(otherMemberA.key, 'org_a');
    const res = await gw.http.put(`/v1/mcp-configurations/${theirs.id}`).set('X-API-Key', memberA.key).send({ is_active: false });
    expect(res.status).toBe(403);
  });

  it('lets a member change and delete what it created, and records it as the owner', async () => {
    const mine = await createAs(memberA.key, 'org_a');
    expect(mine.userId).toBe(memberA.userId);
    const update = await gw.http.patch(`/v1/mcp-configurations/${mine.id}`).set('X-API-Key', memberA.key).send({ is_active: false });
    expect(update.status).toBe(200);
    expect((await gw.http.delete(`/v1/mcp-configurations/${mine.id}`).set('X-API-Key', memberA.key)).status).toBe(204);
  });

  it("lets an admin change a member's configuration", async () => {
    const theirs = await createAs(memberA.key, 'org_a');
    const res = await gw.http.patch(`/v1/mcp-configurations/${theirs.id}`).set('X-API-Key', adminA).send({ is_active: false });
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe(memberA.userId);
  });
});
