import { createServer, type Socket } from 'node:net';
import { ConcurrencyLimit } from '../../core/probe/concurrency-limit';
import { aitronosCreateBody } from '../support/builders';
import { startMcpServer, startSilentServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGatewayOptions } from '../support/test-gateway';

describe('ConcurrencyLimit', () => {
  it('never lets more than its limit in, hands slots over in order, and drops waiters whose signal aborts', async () => {
    const limit = new ConcurrencyLimit(2);
    const never = new AbortController().signal;
    await limit.acquire(never);
    await limit.acquire(never);
    const order: string[] = [];
    const third = limit.acquire(never).then(() => order.push('third'));
    const impatient = new AbortController();
    const fourth = limit.acquire(impatient.signal).then(
      () => order.push('fourth'),
      () => order.push('fourth gave up'),
    );
    const fifth = limit.acquire(never).then(() => order.push('fifth'));
    impatient.abort();
    await fourth;
    limit.release();
    await third;
    // A newcomer arriving now must queue behind "fifth", not take the slot "third" got.
    expect(limit.inUse).toBe(2);
    limit.release();
    await fifth;
    expect(order).toEqual(['fourth gave up', 'third', 'fifth']);
    expect(limit.inUse).toBe(2);
  });
});

describe('ConcurrencyLimit with a share per tenant', () => {
  const never = new AbortController().signal;

  it('lets no tenant hold more than its share, even while slots are free', async () => {
    const limit = new ConcurrencyLimit(3, 1);
    await limit.acquire(never, 'a');
    let second = false;
    const waiting = limit.acquire(never, 'a').then(() => (second = true));
    await limit.acquire(never, 'b');
    await new Promise((r) => setImmediate(r));
    expect([second, limit.inUse]).toEqual([false, 2]);
    limit.release('a');
    await waiting;
    expect(limit.inUse).toBe(2);
  });

  it('gives a freed slot to the waiting tenant holding the fewest, however many another one queued', async () => {
    const limit = new ConcurrencyLimit(2, 2);
    await limit.acquire(never, 'busy');
    await limit.acquire(never, 'busy');
    const order: string[] = [];
    const queued = [1, 2, 3].map((i) => limit.acquire(never, 'busy').then(() => order.push(`busy ${i}`)));
    const victim = limit.acquire(never, 'victim').then(() => order.push('victim'));
    limit.release('busy');
    await victim;
    expect(order).toEqual(['victim']);
    limit.release('busy');
    limit.release('victim');
    limit.release('busy');
    await Promise.all(queued);
    expect(order).toEqual(['victim', 'busy 1', 'busy 2', 'busy 3']);
  });
});

describe('a burst of connection tests', () => {
  // Changed by issue 11 item 7: a test's deadline now starts when it gets a slot, so a burst
  // takes a deadline per wave, and each test's own latency stays within one deadline.
  it('runs at most the configured number of probes at once, and each test gets its whole deadline once it has a slot', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const gw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: 800, maxConcurrentProbes: 2, probeQueueTimeoutMs: 5000 });
    try {
      const { key } = await gw.aitronosKey({ orgs: ['org_burst'] });
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const res = await gw.http
          .post('/v1/mcp-configurations')
          .set('X-API-Key', key)
          .send(aitronosCreateBody('org_burst', { server_url: `http://127.0.0.1:${port}/mcp` }));
        ids.push(res.body.id);
      }
      let busiest = 0;
      const sampler = setInterval(() => (busiest = Math.max(busiest, gw.services.probe.active)), 5);
      const started = Date.now();
      const results = await Promise.all(ids.map((id) => gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', key)));
      clearInterval(sampler);
      expect(Date.now() - started).toBeLessThan(3 * 800 + 1500);
      expect(results.map((r) => r.body.failure_class)).toEqual(Array(6).fill('timeout'));
      for (const r of results) expect(r.body.latency_ms).toBeLessThan(800 + 500);
      // Counted in the gateway: the upstream sees each socket close a moment after the gateway let go.
      expect(busiest).toBe(2);
      // The gateway keeps serving other requests meanwhile.
      expect((await gw.http.get('/v1/mcp-configurations').query({ organization_id: 'org_burst' }).set('X-API-Key', key)).status).toBe(200);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await gw.close();
    }
  });
});

describe('probe capacity shared between organizations', () => {
  const running: Listening[] = [];
  afterAll(async () => {
    await Promise.all(running.map((s) => s.close()));
  });
  const serve = async (server: Promise<Listening>) => {
    const s = await server;
    running.push(s);
    return s;
  };

  async function gatewayWith(options: TestGatewayOptions) {
    const gw = await startTestGateway({ allowedHosts: '127.0.0.1', ...options });
    const keyOf = async (org: string) => (await gw.aitronosKey({ orgs: [org] })).key;
    const create = async (org: string, url: string) => {
      const res = await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', await keyOf(org))
        .send(aitronosCreateBody(org, { server_url: url }));
      return res.body.id as string;
    };
    const test = async (org: string, id: string) => gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', await keyOf(org));
    const stored = async (org: string, id: string) => (await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', await keyOf(org))).body;
    return { gw, create, test, stored };
  }

  it('lets another organization test a healthy server at once while one organization floods tests of a server that never answers', async () => {
    const silent = await serve(startSilentServer());
    const healthy = await serve(startMcpServer({ transport: 'streamable_http' }));
    const { gw, create, test, stored } = await gatewayWith({
      probeTimeoutMs: 1500,
      maxConcurrentProbes: 4,
      maxConcurrentProbesPerOrg: 2,
      probeQueueTimeoutMs: 6000,
    });
    try {
      const hanging = await create('org_flood', silent.url);
      const victim = await create('org_victim', healthy.url);
      const flood = Promise.all(Array.from({ length: 12 }, () => test('org_flood', hanging)));
      await new Promise((r) => setTimeout(r, 150));
      const started = Date.now();
      const result = await test('org_victim', victim);
      expect(result.body).toMatchObject({ success: true, status: 'connected' });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await stored('org_victim', victim)).toMatchObject({ connectionStatus: 'connected', errorMessage: null });
      // The flood stays within its organization's share.
      expect(gw.services.probe.active).toBeLessThanOrEqual(2);
      await flood;
    } finally {
      await gw.close();
    }
  }, 30000);

  it('answers a test that gets no slot in time as busy in both dialects, and stores nothing on the server', async () => {
    const silent = await serve(startSilentServer());
    const healthy = await serve(startMcpServer({ transport: 'streamable_http' }));
    const { gw, create, test, stored } = await gatewayWith({ probeTimeoutMs: 1500, maxConcurrentProbes: 1, probeQueueTimeoutMs: 300 });
    try {
      const server = await create('org_busy', healthy.url);
      expect((await test('org_busy', server)).body).toMatchObject({ success: true });
      const before = await stored('org_busy', server);
      const occupying = test('org_busy', await create('org_busy', silent.url));
      await new Promise((r) => setTimeout(r, 100));

      const result = await test('org_busy', server);
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({
        success: false,
        failure_class: 'busy',
        message: expect.stringMatching(/no slot became free within 300 ms; this test did not start \(nothing was stored\): retry in a moment/),
      });
      const zudu = await gw.zuduKey('org_busy');
      const tools = await gw.http.get(`/api/mcp-servers/${server}/tools`).set(zudu.headers);
      expect(tools.status).toBe(503);
      expect(tools.headers['retry-after']).toBe('1');
      expect(tools.body).toMatchObject({ message: 'Gateway busy', status: 'error' });
      expect(tools.body.error).toMatch(/^busy: /);
      expect(await stored('org_busy', server)).toEqual(before);
      expect(before).toMatchObject({ connectionStatus: 'connected', errorMessage: null });
      await occupying;
    } finally {
      await gw.close();
    }
  });

  it('does not charge the time a test waited for a slot to the server it tests', async () => {
    const silent = await serve(startSilentServer());
    const slowButHealthy = await serve(startMcpServer({ transport: 'streamable_http', delayMs: 150 }));
    const { gw, create, test, stored } = await gatewayWith({ probeTimeoutMs: 1000, maxConcurrentProbes: 1, probeQueueTimeoutMs: 3000 });
    try {
      const hanging = test('org_wait', await create('org_wait', silent.url));
      await new Promise((r) => setTimeout(r, 100));
      const server = await create('org_wait', slowButHealthy.url);
      const result = await test('org_wait', server);
      expect((await hanging).body.failure_class).toBe('timeout');
      expect(result.body).toMatchObject({ success: true, latency_ms: expect.any(Number) });
      expect(result.body.latency_ms).toBeLessThan(1000);
      expect(await stored('org_wait', server)).toMatchObject({ connectionStatus: 'connected' });
    } finally {
      await gw.close();
    }
  });
});
