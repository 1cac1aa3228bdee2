import net from 'node:net';
import { Client } from 'pg';
import { PostgresKeyChangeWatch } from '../../core/store/key-changes';
import { testEngine } from '../support/test-database';

const postgresOnly = testEngine() === 'postgres' ? it : it.skip;

describe("PostgreSQL's key change listener", () => {
  it('tries once a second while the database refuses, one loop, and keeps nothing in memory meanwhile', async () => {
    let failures = 0;
    const watch = new PostgresKeyChangeWatch('postgres://postgres@127.0.0.1:1/none', () => {
      failures += 1;
    });
    await watch.start();
    expect(watch.current()).toBeNull();
    await new Promise((r) => setTimeout(r, 3500));
    await watch.close();
    // One loop: about four failures in 3.5 s; loops that doubled on every failure made dozens.
    expect(failures).toBeGreaterThanOrEqual(2);
    expect(failures).toBeLessThanOrEqual(6);
  }, 20000);

  postgresOnly(
    'keeps one listening connection after the database comes back, and none after close()',
    async () => {
      const base = new URL(process.env.TEST_DATABASE_URL!);
      let up = false;
      // A stand-in for a database restart: connections are refused for 2.5 s, then forwarded.
      const proxy = net.createServer((socket) => {
        if (!up) return socket.destroy();
        const upstream = net.connect(Number(base.port || 5432), base.hostname);
        socket.pipe(upstream).pipe(socket);
        upstream.on('error', () => socket.destroy());
        socket.on('error', () => upstream.destroy());
      });
      await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
      const port = (proxy.address() as net.AddressInfo).port;
      const appName = `key_watch_${Date.now()}`;
      const url = new URL(base);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      url.searchParams.set('application_name', appName);
      const watch = new PostgresKeyChangeWatch(url.toString(), () => undefined);
      const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      const open = async () =>
        (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [appName])).rows[0]!.n;
      try {
        await watch.start();
        expect(watch.current()).toBeNull();
        await new Promise((r) => setTimeout(r, 2500));
        up = true;
        const deadline = Date.now() + 5000;
        while (watch.current() === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        expect(watch.current()).not.toBeNull();
        await new Promise((r) => setTimeout(r, 1500));
        expect(await open()).toBe(1);
        await watch.close();
        await new Promise((r) => setTimeout(r, 500));
        expect(await open()).toBe(0);
      } finally {
        await watch.close();
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [appName]);
        await admin.end();
        proxy.close();
      }
    },
    30000,
  );
});
