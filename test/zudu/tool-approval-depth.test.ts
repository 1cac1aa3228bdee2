import { zuduConfig } from '../support/builders';
import { startTestGateway, type TestGateway } from '../support/test-gateway';
import { toolHashOf } from '../support/tool-hash';

let gw: TestGateway;
let zudu: Record<string, string>;
let serverId: string;

beforeAll(async () => {
  gw = await startTestGateway();
  ({ headers: zudu } = await gw.zuduKey('org_depth'));
  serverId = (await gw.http.post('/api/mcp-servers').set(zudu).send({ config: zuduConfig() })).body.data.id;
});
afterAll(() => gw.close());

/** JSON objects nested `depth` levels (the outermost is level 1), as text: no recursion to write it. */
const nested = (depth: number) => `${'{"a":'.repeat(depth - 1)}{"type":"string"}${'}'.repeat(depth - 1)}`;

const approve = (schemaText: string) =>
  gw.http
    .post(`/api/mcp-servers/${serverId}/tool-approvals`)
    .set(zudu)
    .set('Content-Type', 'application/json')
    .send(`{"tool_name":"deep","tool_description":"d","input_schema":${schemaText}}`);

describe('a tool approval whose input_schema nests deeply', () => {
  it('is refused with 400 naming input_schema at 3,000 levels, never a 500, and stores no approval', async () => {
    const res = await approve(nested(3000));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'Validation failed', error: 'input_schema must nest objects and arrays at most 64 levels deep' });
    const server = await gw.http.get(`/api/mcp-servers/${serverId}`).set(zudu);
    expect(server.body.data.tool_approval_hashes).toEqual([]);
  });

  it('is refused one level past the bound (65), with arrays counted as levels too', async () => {
    expect((await approve(nested(65))).status).toBe(400);
    const arrays = `{"items":${'['.repeat(40)}${nested(24)}${']'.repeat(40)}}`;
    const res = await approve(arrays);
    expect([res.status, res.body.error]).toEqual([400, 'input_schema must nest objects and arrays at most 64 levels deep']);
  });

  it('is hashed as documented at the bound (64 levels)', async () => {
    const text = nested(64);
    const res = await approve(text);
    expect(res.status).toBe(200);
    expect(res.body.data.tool_hash).toBe(toolHashOf('d', JSON.parse(text)));
  });
});
