import { createServer, type IncomingHttpHeaders } from 'node:http';
import { startServe } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let db: TestDatabase;
beforeAll(async () => (db = await createTestDatabase()));
afterAll(() => db.drop());

describe('mcp-gateway serve with OTEL_* set', () => {
  it('exports its spans over OTLP to the configured endpoint, and flushes them on SIGTERM', async () => {
    // An OTLP/HTTP receiver on loopback: it records what arrives at /v1/traces.
    const received: Array<{ path: string; headers: IncomingHttpHeaders; bytes: number }> = [];
    const receiver = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (chunk: Buffer) => (bytes += chunk.length));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, bytes });
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    try {
      const env: Record<string, string> = {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_SERVICE_NAME: 'gateway-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      };
      if (db.engine === 'postgres') env.MCP_GATEWAY_ENCRYPTION_KEY = Buffer.alloc(32, 5).toString('base64');
      const serve = await startServe(env);
      expect((await fetch(`http://127.0.0.1:${serve.port}/readyz`)).status).toBe(200);
      expect(await serve.signal('SIGTERM')).toBe(0);
      const traces = received.filter((r) => r.path === '/v1/traces');
      expect(traces.length).toBeGreaterThan(0);
      expect(traces[0]!.headers['content-type']).toBe('application/x-protobuf');
      expect(traces.reduce((sum, r) => sum + r.bytes, 0)).toBeGreaterThan(0);
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  }, 60_000);
});
