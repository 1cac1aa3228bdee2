import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

describe('GET /', () => {
  it('answers a machine with JSON links to every mounted entry point, each of which answers', async () => {
    const res = await gw.http.get('/').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers.vary).toMatch(/Accept/);
    expect(res.body).toEqual({
      name: 'mcp-gateway',
      links: {
        aitronos: { href: '/v1/mcp-configurations', title: expect.any(String) },
        zudu: { href: '/api/mcp-servers', title: expect.any(String) },
        mcp: { href: '/mcp/{server_id}', title: expect.any(String) },
        console: { href: '/console/', title: expect.any(String) },
        registry: { href: '/registry/{organization_id}/v0.1/servers', title: expect.any(String) },
        docs: { href: '/docs', title: expect.any(String) },
        'openapi.aitronos': { href: '/openapi/aitronos.json', title: expect.any(String) },
        'openapi.zudu': { href: '/openapi/zudu.json', title: expect.any(String) },
        health: { href: '/healthz', title: expect.any(String) },
        ready: { href: '/readyz', title: expect.any(String) },
        metrics: { href: '/metrics', title: expect.any(String) },
      },
    });
    // Every plain link leads somewhere (the APIs ask for a key; nothing is a 404).
    for (const { href } of Object.values(res.body.links as Record<string, { href: string }>)) {
      if (href.includes('{')) continue;
      expect((await gw.http.get(href)).status).not.toBe(404);
    }
    // curl's default (*/*) is a machine.
    expect((await gw.http.get('/')).headers['content-type']).toMatch(/^application\/json/);
  });

  it('answers a browser with a page of the same links', async () => {
    const res = await gw.http.get('/').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toContain('<a href="/console/">');
    expect(res.text).toContain('<a href="/docs">');
    expect(res.text).not.toMatch(/https?:\/\//);
  });
});
