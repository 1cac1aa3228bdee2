import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let auth: Record<string, string>;
const names = ['Alpha tools', 'beta Search', 'Gamma', 'delta CRM', 'Épsilon docs', 'zeta', 'Eta 50%_off'];
const ids: string[] = [];

beforeAll(async () => {
  gw = await startTestGateway();
  ({ headers: auth } = await gw.zuduKey('org_list'));
  for (const [i, name] of names.entries()) {
    const res = await gw.http
      .post('/api/mcp-servers')
      .set(auth)
      .send({ config: { name, url: `https://host${i}.example.com/mcp`, description: i === 2 ? 'Handles CUSTOMER tickets' : '' } });
    ids.push(res.body.data.id);
    await new Promise((r) => setTimeout(r, 2));
  }
  // Another organization's servers never show up.
  const other = await gw.zuduKey('org_elsewhere');
  await gw.http
    .post('/api/mcp-servers')
    .set(other.headers)
    .send({ config: { name: 'Alpha tools', url: 'https://alpha.example.com' } });
});
afterAll(() => gw.close());

const list = (query: Record<string, string | number>) => gw.http.get('/api/mcp-servers').query(query).set(auth);

describe('GET /api/mcp-servers', () => {
  it('answers the first page, newest first, with every documented data field', async () => {
    const res = await list({});
    expect(res.status).toBe(200);
    expect(res.body.message).toBe('MCP servers retrieved successfully');
    expect(res.body.data).toEqual({
      servers: expect.any(Array),
      total_count: 7,
      page: 0,
      limit: 20,
      total_pages: 1,
      has_next: false,
      has_previous: false,
      filters: { search: null, sort: 'created_at', order: 'desc' },
    });
    expect(res.body.data.servers.map((s: any) => s.id)).toEqual([...ids].reverse());
  });

  it('pages from 0 with limit, and says whether there is a next and a previous page', async () => {
    const pages = await Promise.all([0, 1, 2, 3].map((page) => list({ page, limit: 3, order: 'asc' })));
    expect(pages.map((p) => p.body.data.servers.map((s: any) => s.id))).toEqual([ids.slice(0, 3), ids.slice(3, 6), ids.slice(6), []]);
    expect(pages.map((p) => [p.body.data.has_previous, p.body.data.has_next])).toEqual([
      [false, true],
      [true, true],
      [true, false],
      [true, false],
    ]);
    expect(pages[0]!.body.data).toMatchObject({ total_count: 7, total_pages: 3, limit: 3 });
  });

  it('sorts by name ignoring case, in either order', async () => {
    const asc = await list({ sort: 'name', order: 'asc' });
    // Code-point order of the folded names, the same on both engines.
    const fold = (name: string) => name.normalize('NFKC').toLowerCase();
    const expected = [...names].sort((a, b) => (fold(a) < fold(b) ? -1 : 1));
    expect(asc.body.data.servers.map((s: any) => s.server_name)).toEqual(expected);
    const desc = await list({ sort: 'name', order: 'desc' });
    expect(desc.body.data.servers.map((s: any) => s.server_name)).toEqual([...asc.body.data.servers.map((s: any) => s.server_name)].reverse());
  });

  it('sorts by updated_at', async () => {
    await gw.http.patch(`/api/mcp-servers/${ids[0]}`).set(auth).send({ description: 'touched' });
    const res = await list({ sort: 'updated_at', order: 'desc', limit: 1 });
    expect(res.body.data.servers[0].id).toBe(ids[0]);
  });

  it.each([
    ['a name, ignoring case', 'SEARCH', ['beta Search']],
    ['a description', 'customer', ['Gamma']],
    ['a URL', 'host3.example', ['delta CRM']],
    ['non-ASCII text, ignoring case', 'épsilon', ['Épsilon docs']],
    ['LIKE wildcards as plain characters', '50%_', ['Eta 50%_off']],
    ['a percent sign alone', '%', ['Eta 50%_off']],
    ['nothing', 'no such server', []],
  ])('searches %s', async (_label, search, expected) => {
    const res = await list({ search: search as string });
    expect(res.body.data.servers.map((s: any) => s.server_name)).toEqual(expected);
    expect(res.body.data.total_count).toBe((expected as string[]).length);
    expect(res.body.data.filters.search).toBe(search);
  });

  it.each([
    [{ limit: 101 }, /^limit must be <= 100$/],
    [{ limit: 0 }, /^limit/],
    [{ limit: '1e309' }, /^limit must be integer$/],
    [{ limit: '0x10' }, /^limit must be integer$/],
    [{ limit: ' 5' }, /^limit must be integer$/],
    [{ page: '1e400' }, /^page must be integer$/],
    [{ page: -1 }, /^page/],
    [{ sort: 'url' }, /^sort must be equal to one of the allowed values/],
    [{ order: 'up' }, /^order/],
    [{ unknown: 1 }, /unknown/],
  ])('answers 400 for %j', async (query, error) => {
    const res = await list(query as Record<string, string | number>);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'Validation failed', status: 'error', error: expect.stringMatching(error) });
  });
});
