import { guardedHttp, MAX_RESPONSE_BYTES } from '../../core/probe/guarded-fetch';
import { NetworkGuard } from '../../core/probe/network-guard';
import { parseAllowlist, type Allowlist } from '../../core/probe/address-rules';
import { startHttpServer, type Listening } from '../support/mcp-servers';

let server: Listening;
const EVENT = `data: ${'x'.repeat(1024 * 1024)}\n\n`;

beforeAll(async () => {
  // An event stream of 12 one-MB events (a long-lived SSE connection's lifetime), then one event of 9 MB.
  server = await startHttpServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    if (req.url?.startsWith('/many')) {
      for (let i = 0; i < 12; i += 1) res.write(EVENT);
      res.end();
    } else {
      res.end(`data: ${'y'.repeat(MAX_RESPONSE_BYTES + 1024 * 1024)}\n\n`);
    }
  });
});
afterAll(() => server.close());

describe('the size cap on an event stream', () => {
  it('counts each event on its own: many events past 8 MB in all pass, one event past 8 MB is cut', async () => {
    const guard = new NetworkGuard({ allowlist: parseAllowlist('127.0.0.1') as Allowlist, allowPrivateNetworks: false });
    const http = await guardedHttp(guard, null, 5000, { keepAlive: true });
    try {
      const base = server.url.replace('/mcp', '');
      const many = await (await http.fetch(`${base}/many`)).text();
      expect(many.length).toBe(EVENT.length * 12);
      await expect((await http.fetch(`${base}/one`)).text()).rejects.toThrow();
    } finally {
      await http.close();
    }
  });
});
