import { request } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { cli } from '../support/cli';
import { startServe, type ServeProcess } from '../support/processes';
import { rawHttp } from '../support/raw-http';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const KEY = Buffer.alloc(32, 11).toString('base64');

/** One request on a connection of its own; resolves with the status or the network error code. */
function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status?: number; error?: string; body?: any }> {
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    req.end(payload);
  });
}

const keyFrom = (p: ServeProcess) => /Aitronos key: (ak_\S+)/.exec(p.stdout())![1]!;

let db: TestDatabase;
beforeEach(async () => (db = await createTestDatabase()));
afterEach(() => db.drop());

describe('graceful shutdown', () => {
  it('lets every request accepted before SIGTERM finish, refuses new ones, and exits 0', async () => {
    const silent = createServer();
    const sockets = new Set<Socket>();
    silent.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const upstream = `http://127.0.0.1:${(silent.address() as { port: number }).port}/mcp`;
    const gateway = await startServe({
      DATABASE_URL: db.url,
      MCP_GATEWAY_ENCRYPTION_KEY: KEY,
      MCP_GATEWAY_ALLOWED_HOSTS: '127.0.0.1',
      MCP_GATEWAY_PROBE_TIMEOUT_MS: '1500',
      LOG_LEVEL: 'info',
    });
    try {
      const auth = { 'X-API-Key': keyFrom(gateway) };
      const created = await call(gateway.port, 'POST', '/v1/mcp-configurations', auth, {
        name: 'slow',
        organization_id: 'org_demo',
        server_url: upstream,
        transport_type: 'streamable_http',
        auth_type: 'none',
      });
      expect(created.status).toBe(201);
      // Slow requests (a connection test that waits 1.5 s for a silent server) and a stream of fast ones.
      const slow = Array.from({ length: 4 }, () => call(gateway.port, 'POST', `/v1/mcp-configurations/${created.body.id}/test`, auth));
      const fast: Array<Promise<{ id: string; status?: number; error?: string }>> = [];
      let signalled = false;
      const burst = (async () => {
        while (!signalled || fast.length < 200) {
          const id = `shutdown-${fast.length.toString().padStart(4, '0')}`;
          fast.push(call(gateway.port, 'GET', '/v1/mcp-configurations?organization_id=org_demo', { ...auth, 'X-Request-Id': id }).then((r) => ({ id, ...r })));
          await new Promise((r) => setTimeout(r, 5));
          if (fast.length > 400) break;
        }
      })();
      await new Promise((r) => setTimeout(r, 500));
      const exit = gateway.signal('SIGTERM');
      signalled = true;
      await burst;
      const slowResults = await Promise.all(slow);
      const fastResults = await Promise.all(fast);
      expect(await exit).toBe(0);
      // Every slow request was in flight at the signal: each finished with its answer.
      expect(slowResults.map((r) => [r.status, r.body?.failure_class])).toEqual(Array(4).fill([200, 'timeout']));
      // Every request the gateway accepted (its request log names it) got its whole answer. The
      // others reached the port after it closed: refused, or reset by the kernel's accept queue.
      const accepted = new Map([...gateway.stdout().matchAll(/"requestId":"(shutdown-\d+)"[^\n]*"res":\{"status":(\d+)\}/g)].map((m) => [m[1]!, Number(m[2])]));
      expect(accepted.size).toBeGreaterThan(10);
      for (const r of fastResults) {
        if (accepted.has(r.id)) expect({ id: r.id, status: r.status }).toEqual({ id: r.id, status: accepted.get(r.id) });
        else expect({ id: r.id, error: r.error }).toEqual({ id: r.id, error: expect.stringMatching(/^(ECONNREFUSED|ECONNRESET)$/) });
      }
      expect(fastResults.filter((r) => r.status !== undefined).every((r) => r.status === 200)).toBe(true);
    } finally {
      await gateway.signal('SIGKILL');
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 30000);
});

describe('WORKERS', () => {
  it('runs N worker processes on one port, prints the demo keys once, and drains them all on SIGTERM', async () => {
    const gateway = await startServe({ DATABASE_URL: db.url, MCP_GATEWAY_ENCRYPTION_KEY: KEY, WORKERS: '2', LOG_LEVEL: 'info' }, { listeners: 2 });
    try {
      const pids = new Set([...gateway.stdout().matchAll(/"pid":(\d+)[^\n]*mcp-gateway listening/g)].map((m) => m[1]));
      expect(pids.size).toBe(2);
      expect(gateway.stdout().match(/Aitronos key:/g)).toHaveLength(1);
      const auth = { 'X-API-Key': keyFrom(gateway) };
      const results = await Promise.all(Array.from({ length: 20 }, () => call(gateway.port, 'GET', '/v1/mcp-configurations?organization_id=org_demo', auth)));
      expect(results.every((r) => r.status === 200)).toBe(true);
      // What the HTTP parser refuses is answered by every worker's server in the dialect's envelope.
      const oversized = await rawHttp(gateway.port, `GET /v1/mcp-configurations HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
      expect(oversized).toMatchObject({ status: 431, body: { success: false, error: { code: 'HEADERS_TOO_LARGE' } } });
      expect(await gateway.signal('SIGTERM')).toBe(0);
    } finally {
      await gateway.signal('SIGKILL');
    }
  }, 30000);
});

const onPostgres = process.env.MCP_TEST_ENGINE === 'postgres' ? describe : describe.skip;
onPostgres('two instances on one PostgreSQL database', () => {
  it('share servers, let exactly one of concurrent same-name creates win, and count the rate limit together', async () => {
    const env = {
      DATABASE_URL: db.url,
      MCP_GATEWAY_ENCRYPTION_KEY: KEY,
      MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '1000',
      MCP_GATEWAY_DEMO: 'false',
      LOG_LEVEL: 'info',
    };
    const created = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_scale', '--json')).stdout);
    const a = await startServe(env);
    const b = await startServe(env);
    try {
      const auth = { 'X-API-Key': created.apiKey };
      const body = (name: string) => ({
        name,
        organization_id: 'org_scale',
        server_url: 'https://scale.example.com/mcp',
        transport_type: 'sse',
        auth_type: 'none',
      });
      const made = await call(a.port, 'POST', '/v1/mcp-configurations', auth, body('made on A'));
      const read = await call(b.port, 'GET', `/v1/mcp-configurations/${made.body.id}`, auth);
      expect(read).toMatchObject({ status: 200, body: { id: made.body.id, name: 'made on A' } });

      const race = await Promise.all(
        Array.from({ length: 40 }, (_, i) => call(i % 2 ? a.port : b.port, 'POST', '/v1/mcp-configurations', auth, body('contended'))),
      );
      expect(race.filter((r) => r.status === 201)).toHaveLength(1);
      expect(race.filter((r) => r.status === 409)).toHaveLength(39);

      const limited = await startServe({ ...env, MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '10' });
      const limitedToo = await startServe({ ...env, MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '10' });
      try {
        const fresh = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_scale', '--json')).stdout);
        const statuses: number[] = [];
        // The limit counts in fixed one-minute windows: twelve requests straddling a minute's end
        // would be counted in two windows (seen once in CI), so they start early in a minute.
        const intoMinute = Date.now() % 60_000;
        if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_000 - intoMinute + 200));
        for (let i = 0; i < 12; i += 1) {
          const r = await call(i % 2 ? limited.port : limitedToo.port, 'GET', '/v1/mcp-configurations?organization_id=org_scale', {
            'X-API-Key': fresh.apiKey,
          });
          statuses.push(r.status!);
        }
        expect(statuses.filter((s) => s === 200)).toHaveLength(10);
        expect(statuses.slice(10)).toEqual([429, 429]);
        // Each dialect's limiter has a store of its own: express-rate-limit warns (with a stack) when one is shared.
        for (const instance of [a, b, limited, limitedToo]) expect(instance.stdout() + instance.stderr()).not.toMatch(/ERR_ERL_|\n\s+at /);
      } finally {
        await limited.signal('SIGKILL');
        await limitedToo.signal('SIGKILL');
      }
    } finally {
      await a.signal('SIGKILL');
      await b.signal('SIGKILL');
    }
  }, 60000);
});
