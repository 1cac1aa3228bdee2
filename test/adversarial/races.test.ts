import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let key: string;
let zudu: Record<string, string>;
const ORG = 'org_races';

beforeAll(async () => {
  gw = await startTestGateway();
  ({ key } = await gw.aitronosKey({ orgs: [ORG] }));
  ({ headers: zudu } = await gw.zuduKey(ORG));
});
afterAll(() => gw.close());

describe('races', () => {
  it('gives exactly one success to 200 concurrent same-name creates split across both dialects, and 409s in each caller’s dialect', async () => {
    const name = 'Raced across dialects';
    const requests = Array.from({ length: 200 }, (_, i) =>
      i % 2
        ? gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody(ORG, { name }))
        : gw.http
            .post('/api/mcp-servers')
            .set(zudu)
            .send({ config: zuduConfig({ name }) }),
    );
    const responses = await Promise.all(requests);
    const aitronos = responses.filter((_, i) => i % 2);
    const zuduResponses = responses.filter((_, i) => !(i % 2));
    const wins = aitronos.filter((r) => r.status === 201).length + zuduResponses.filter((r) => r.status === 200).length;
    expect(wins).toBe(1);
    for (const r of aitronos.filter((r) => r.status !== 201)) expect(r.body).toMatchObject({ success: false, error: { code: 'DUPLICATE_NAME', status: 409 } });
    for (const r of zuduResponses.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body).toMatchObject({ message: 'MCP server name already exists', status: 'error' });
    }
    expect(
      await gw.services.db
        .knex('mcp_servers')
        .where({ organization_id: ORG, name })
        .count({ n: '*' })
        .then((r) => Number(r[0]!.n)),
    ).toBe(1);
  }, 30000);

  it('leaves a server updated by 50 concurrent writers in exactly one writer’s state, never a mix', async () => {
    const created = (await gw.http.post('/api/mcp-servers').set(zudu).send({ config: zuduConfig() })).body.data;
    const writes = Array.from({ length: 50 }, (_, i) => ({
      name: `writer ${i}`,
      url: `https://writer${i}.example.com/mcp`,
      description: `written by ${i}`,
      request_headers: { 'X-Writer': `w${i}` },
    }));
    const responses = await Promise.all(
      writes.map((w, i) =>
        i % 2
          ? gw.http.patch(`/api/mcp-servers/${created.id}`).set(zudu).send(w)
          : gw.http.patch(`/v1/mcp-configurations/${created.id}`).set('X-API-Key', key).send({ name: w.name, server_url: w.url }),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const final = (await gw.http.get(`/api/mcp-servers/${created.id}`).set(zudu)).body.data;
    const writer = Number(/writer (\d+)/.exec(final.server_name)![1]);
    expect(final.server_url).toBe(writes[writer]!.url);
    // Aitronos writers cannot set the description: it is the last Zudu writer's up to the winner, whole.
    expect(final.description === '' || /^written by \d+$/.test(final.description)).toBe(true);
    if (writer % 2) expect(final.description).toBe(`written by ${writer}`);
  }, 30000);

  it('ends consistent when a secret is deleted while a server is created to use it', async () => {
    for (let round = 0; round < 10; round += 1) {
      const secretId = `secret_race_${round}`;
      await gw.http.post('/api/secrets').set(zudu).send({ secret_id: secretId, name: 'raced', value: 'v' });
      const [deleted, created] = await Promise.all([
        gw.http.delete(`/api/secrets/${secretId}`).set(zudu),
        gw.http
          .post('/api/mcp-servers')
          .set(zudu)
          .send({ config: zuduConfig({ secret_token: { secret_id: secretId } }) }),
      ]);
      expect(created.status).toBe(200);
      expect([200, 409]).toContain(deleted.status);
      const secret = await gw.http.get(`/api/secrets/${secretId}`).set(zudu);
      const server = (await gw.http.get(`/api/mcp-servers/${created.body.data.id}`).set(zudu)).body.data;
      expect(server.secret_token_id).toBe(secretId);
      if (deleted.status === 409) {
        // The server came first: the secret stays, and says who uses it.
        expect(secret.body.data.used_by).toEqual([{ id: server.id, server_name: server.server_name }]);
      } else {
        // The secret went first: the server keeps its reference, which a connection test reports as missing.
        expect(secret.status).toBe(404);
        const test = await gw.http.post(`/v1/mcp-configurations/${server.id}/test`).set('X-API-Key', key);
        expect(test.body).toMatchObject({ success: false, failure_class: 'config' });
      }
    }
  }, 30000);
});
