import { randomBytes } from 'node:crypto';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * A database that fails under a running gateway. knex puts the statement and its bound values
 * (tenant ids, names, URLs, header names, ciphertexts) into its error messages; none of that
 * may reach a log line, only the error's code and which operation failed.
 */
let gw: TestGateway;
const bound: unknown[] = [];
const mark = randomBytes(6).toString('hex');
const ORG = `org_planted_${mark}`;

beforeAll(async () => {
  gw = await startTestGateway();
  gw.services.db.knex.on('query-error', (_error: unknown, query: { bindings?: unknown[] }) => bound.push(...(query.bindings ?? [])));
});
afterAll(() => gw.close());

/** Every bound value of a failed statement that would identify data if it were logged. */
const telling = () => bound.filter((v): v is string => typeof v === 'string' && v.length >= 8);

const unexpectedLines = () => gw.logs.filter((line) => line.includes('unexpected error'));

describe('a database error', () => {
  it('is logged with its code and operation only: no SQL text and no bound value, in either dialect', async () => {
    const { key } = await gw.aitronosKey({ orgs: [ORG] });
    const zudu = await gw.zuduKey(ORG);
    const engine = gw.database.engine;
    const cascade = engine === 'postgres' ? ' CASCADE' : '';

    // Credentials land in `secrets` first: without that table, the insert that fails binds the ciphertext.
    await gw.services.db.knex.raw(`DROP TABLE secrets${cascade}`);
    const aitronos = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', key)
      .send({
        name: `planted-name-${mark}`,
        organization_id: ORG,
        server_url: `https://planted-host-${mark}.example.com/mcp`,
        transport_type: 'streamable_http',
        auth_type: 'bearer',
        credentials: { token: `planted-token-${mark}` },
      });
    // Without `mcp_servers`, the insert that fails binds the name, URL, header names and encrypted values.
    await gw.services.db.knex.raw(`DROP TABLE mcp_servers${cascade}`);
    const api = await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({
        config: {
          name: `zudu-planted-${mark}`,
          url: `https://zudu-planted-${mark}.example.com/mcp`,
          request_headers: { [`X-Planted-${mark}`]: `planted-value-${mark}` },
        },
      });

    expect([aitronos.status, api.status]).toEqual([500, 500]);
    expect(telling().length).toBeGreaterThan(4);
    const lines = unexpectedLines();
    expect(lines).toHaveLength(2);
    const parsed = lines.map((line) => JSON.parse(line).err);
    const code = engine === 'postgres' ? '42P01' : 'SQLITE_ERROR';
    expect(parsed).toEqual([
      expect.objectContaining({ code, operation: 'insert secrets' }),
      expect.objectContaining({ code, operation: 'insert mcp_servers' }),
    ]);
    for (const line of gw.logs) {
      expect(line).not.toMatch(/insert into|values \(|no such table|does not exist|planted/i);
      for (const value of telling()) expect(line).not.toContain(value);
    }
  });

  it('is printed by the command line as its code and operation, without the statement', async () => {
    await gw.services.db.knex.raw(`DROP TABLE api_keys${gw.database.engine === 'postgres' ? ' CASCADE' : ''}`);
    const run = await gw.cli('keys', 'create', '--dialect', 'aitronos', '--org', ORG, '--user', `usr_planted_${mark}`);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^mcp-gateway: database error (SQLITE_ERROR|42P01) \(insert api_keys\)$/);
    expect(run.stderr + run.stdout).not.toMatch(/insert into|planted/i);
  });
});
