import { createServer, type Socket } from 'node:net';
import { ConcurrencyLimit } from '../../core/probe/concurrency-limit';
import { aitronosCreateBody } from '../support/builders';
import { startTestGateway } from '../support/test-gateway';

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

describe('a burst of connection tests', () => {
  it('runs at most the configured number of probes at once, and every test still ends within its deadline', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const gw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: 800, maxConcurrentProbes: 2 });
    try {
      const { key } = await gw.aitronosKey({ orgs: ['org_burst'] });
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const res = await gw.http.post('/v1/mcp-configurations').set('X-API-Key', key).send(aitronosCreateBody('org_burst', { server_url: `http://127.0.0.1:${port}/mcp` }));
        ids.push(res.body.id);
      }
      let busiest = 0;
      const sampler = setInterval(() => (busiest = Math.max(busiest, gw.services.probe.active)), 5);
      const started = Date.now();
      const results = await Promise.all(ids.map((id) => gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', key)));
      clearInterval(sampler);
      expect(Date.now() - started).toBeLessThan(800 + 1500);
      expect(results.map((r) => r.body.failure_class)).toEqual(Array(6).fill('timeout'));
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
