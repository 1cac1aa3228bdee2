import { aitronosCreateBody } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let key: string;

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key } = await gw.aitronosKey({ orgs: ['org_race', 'org_other'] }));
});
afterAll(() => gw.close());

const create = (body: Record<string, unknown>) => gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(body);

describe('names are unique per organization among live configurations', () => {
  it('gives exactly one 201 to 60 concurrent creates with one name, 409s to the rest, and stores one row', async () => {
    const name = 'Contended name';
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) => create(aitronosCreateBody('org_race', { name, server_url: `https://r${i}.example.com/mcp` }))),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(59);
    for (const conflict of responses.filter((r) => r.status === 409)) {
      expect(conflict.body).toMatchObject({ success: false, error: { code: 'DUPLICATE_NAME', status: 409, type: 'client_error' } });
    }
    const rows = await gw.services.db.knex('mcp_servers').where({ organization_id: 'org_race', name });
    expect(rows).toHaveLength(1);
  });

  it('leaves no orphaned credentials behind when a create loses the name race', async () => {
    const name = 'Contended with credentials';
    await Promise.all(
      Array.from({ length: 20 }, () => create(aitronosCreateBody('org_race', { name, auth_type: 'bearer_token', credentials: { token: 'tok' } }))),
    );
    const servers = await gw.services.db.knex('mcp_servers').where({ organization_id: 'org_race', name }).select('id');
    const secrets = await gw.services.db.knex('secrets').whereIn(
      'managed_by',
      servers.map((s) => s.id),
    );
    const allManaged = await gw.services.db
      .knex('secrets')
      .whereNotNull('managed_by')
      .whereNotIn('managed_by', gw.services.db.knex('mcp_servers').select('id'));
    expect(servers).toHaveLength(1);
    expect(secrets).toHaveLength(1);
    expect(allManaged).toHaveLength(0);
  });

  it('treats names that differ only in case or outer spaces as the same name', async () => {
    expect((await create(aitronosCreateBody('org_race', { name: 'GitHub Tools' }))).status).toBe(201);
    expect((await create(aitronosCreateBody('org_race', { name: 'github tools' }))).status).toBe(409);
    expect((await create(aitronosCreateBody('org_race', { name: '  GitHub Tools ' }))).status).toBe(409);
  });

  it('allows the same name in another organization', async () => {
    expect((await create(aitronosCreateBody('org_race', { name: 'Shared name' }))).status).toBe(201);
    expect((await create(aitronosCreateBody('org_other', { name: 'Shared name' }))).status).toBe(201);
  });
});
