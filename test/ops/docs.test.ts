import type { Server } from 'node:http';
import { loadSpec } from '../../adapters/shared/openapi';
import { canRunChromium, launchChromium } from '../support/chromium';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

describe('the contracts and their documentation', () => {
  it.each(['aitronos', 'zudu'] as const)('serves the %s contract as JSON, without a key', async (name) => {
    const res = await gw.http.get(`/openapi/${name}.json`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual(loadSpec(name));
  });

  it('answers an unknown contract with 404', async () => {
    expect((await gw.http.get('/openapi/other.json')).status).toBe(404);
  });

  it('serves the documentation page and its assets from the package, not a CDN', async () => {
    const page = await gw.http.get('/docs');
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/https?:\/\//);
    expect((await gw.http.get('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    expect((await gw.http.get('/docs/init.js')).text).toContain('/openapi/zudu.json');
  });

  // The browser check needs Debian's chromium (.ci/run installs it); a machine without it says so.
  const inBrowser = canRunChromium() ? it : it.skip;
  inBrowser(
    'renders both dialects’ operations in headless Chromium under the security headers',
    async () => {
      const server: Server = await new Promise((resolve) => {
        const s = gw.app.listen(0, '127.0.0.1', () => resolve(s));
      });
      const port = (server.address() as { port: number }).port;
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        const problems: string[] = [];
        page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
        page.on('pageerror', (e) => problems.push(e.message));
        await page.goto(`http://127.0.0.1:${port}/docs`);
        await page.waitForSelector('.opblock-summary-path', { timeout: 20000 });
        const aitronosPaths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.trim()));
        expect(aitronosPaths).toContain('/mcp-configurations/{config_id}/test');
        await page.selectOption('.topbar select', { label: 'Zudu dialect (/api)' });
        await page.waitForSelector('.opblock-summary-path:has-text("/secrets")', { timeout: 20000 });
        const zuduPaths = await page.$$eval('.opblock-summary-path', (els) => els.map((e) => e.textContent?.trim()));
        expect(zuduPaths).toEqual(expect.arrayContaining(['/mcp-servers/{id}/tools', '/secrets/{secret_id}']));
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
        server.close();
      }
    },
    60000,
  );
});
