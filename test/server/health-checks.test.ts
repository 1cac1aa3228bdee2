import { createServer } from 'node:http';
import pino from 'pino';
import type { Principal } from '../../core/model/principal';
import { type Allowlist, parseAllowlist } from '../../core/probe/address-rules';
import { type GatewayServices, openGateway, randomEncryptionKey } from '../../server/gateway';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestGateway } from '../support/test-gateway';

const ORG = 'org_health';
const admin: Principal = { keyId: 'key_test', userId: 'usr_test', organizationIds: [ORG], role: 'admin' };
const INTERVAL = 60_000;

let up: ModernServer;
let closedUrl: string;
beforeAll(async () => {
  up = await startModernServer({ legacy: 'stateless' });
  // A port nothing listens on (taken, then let go).
  const spare = createServer();
  await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
  closedUrl = `http://127.0.0.1:${(spare.address() as { port: number }).port}/mcp`;
  await new Promise((r) => spare.close(r));
});
afterAll(() => up.close());

/** A gateway process's services over `db`, with background checks and a probe counter; the clock is shared. */
async function instance(db: TestDatabase, key: Buffer, clock: { now(): number }, probes: { count: number }): Promise<GatewayServices> {
  return openGateway({
    database: db.target,
    encryptionKey: key,
    logger: pino({ level: 'silent' }),
    clock,
    network: { allowlist: parseAllowlist('127.0.0.1') as Allowlist, allowPrivateNetworks: false },
    probe: { timeoutMs: 5000, maxConcurrent: 16 },
    onProbe: () => {
      probes.count += 1;
    },
    health: { intervalMs: INTERVAL, concurrency: 3 },
  });
}

const server = (gateway: GatewayServices, name: string, url: string, extra: Record<string, unknown> = {}) =>
  gateway.registry.create(admin, { organizationId: ORG, name, url, transport: 'streamable_http', auth: { type: 'none', credentials: {} }, ...extra });

describe('background health checks', () => {
  let db: TestDatabase;
  beforeEach(async () => (db = await createTestDatabase()));
  afterEach(() => db.drop());

  it('test active servers as a manual test does, store each outcome, and leave inactive and per-user servers alone', async () => {
    let now = Date.now();
    const clock = { now: () => now };
    const gateway = await instance(db, randomEncryptionKey(), clock, { count: 0 });
    try {
      const live = await server(gateway, 'live', up.url);
      const dead = await server(gateway, 'dead', closedUrl);
      const inactive = await server(gateway, 'inactive', up.url, { isActive: false });
      const perUser = await server(gateway, 'per-user', up.url, { auth: { type: 'oauth', credentials: { grantType: 'authorization_code', perUser: true } } });
      // Per-user servers are not even due: they never fill a round.
      expect((await gateway.healthLeases.due(now, now, 100)).map((s) => s.id)).not.toContain(perUser.id);
      expect(await gateway.health!.runOnce()).toBe(2);
      const read = (id: string) => gateway.registry.get(admin, id);
      expect((await read(live.id)).connection).toMatchObject({ status: 'connected', lastTestedAt: now, lastConnectedAt: now });
      expect((await read(live.id)).connection.tools?.map((t) => t.name)).toContain('echo');
      expect((await read(dead.id)).connection).toMatchObject({ status: 'failed', lastTestedAt: now, errorMessage: expect.stringMatching(/^transport: /) });
      expect((await read(inactive.id)).connection.lastTestedAt).toBeNull();
      expect((await read(perUser.id)).connection.lastTestedAt).toBeNull();
      // Tested within the interval: nothing is due.
      now += INTERVAL - 1000;
      expect(await gateway.health!.runOnce()).toBe(0);
      now += 2000;
      expect(await gateway.health!.runOnce()).toBe(2);
    } finally {
      await gateway.close();
    }
  });

  it('check each server by one instance per interval when several share the database', async () => {
    let now = Date.now();
    const clock = { now: () => now };
    const key = randomEncryptionKey();
    const probesA = { count: 0 };
    const probesB = { count: 0 };
    const a = await instance(db, key, clock, probesA);
    const b = await instance(db, key, clock, probesB);
    try {
      for (let i = 0; i < 8; i++) await server(a, `s${i}`, up.url);
      const [byA, byB] = await Promise.all([a.health!.runOnce(), b.health!.runOnce()]);
      expect(byA + byB).toBe(8);
      expect(probesA.count + probesB.count).toBe(8);
      expect(await Promise.all([a.health!.runOnce(), b.health!.runOnce()])).toEqual([0, 0]);
      now += INTERVAL + 1;
      const next = await Promise.all([a.health!.runOnce(), b.health!.runOnce()]);
      expect(next[0] + next[1]).toBe(8);
      expect(probesA.count + probesB.count).toBe(16);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('run by themselves once started, about every tenth of the interval', async () => {
    const gateway = await openGateway({
      database: db.target,
      encryptionKey: randomEncryptionKey(),
      logger: pino({ level: 'silent' }),
      network: { allowlist: parseAllowlist('127.0.0.1') as Allowlist, allowPrivateNetworks: false },
      health: { intervalMs: 10_000, concurrency: 2 },
    });
    try {
      const live = await server(gateway, 'live', up.url);
      gateway.health!.start();
      let tested: number | null = null;
      for (let i = 0; i < 100 && tested === null; i++) {
        await new Promise((r) => setTimeout(r, 50));
        tested = (await gateway.registry.get(admin, live.id)).connection.lastTestedAt;
      }
      expect(tested).not.toBeNull();
    } finally {
      await gateway.close();
    }
  });
});

describe('health metrics', () => {
  it('show each active server’s last outcome and the seconds since its last success', async () => {
    const gw = await startTestGateway({ allowedHosts: '127.0.0.1', health: { intervalMs: INTERVAL, concurrency: 2 } });
    try {
      const zudu = await gw.zuduKey('org_metrics');
      const make = async (name: string, url: string) =>
        (
          await gw.http
            .post('/api/mcp-servers')
            .set(zudu.headers)
            .send({ config: { name, url, transport: 'STREAMABLE_HTTP' } })
        ).body.data.id as string;
      const live = await make('live', up.url);
      const dead = await make('dead', closedUrl);
      const untested = await make('untested', up.url);
      await gw.services.connections.testInBackground(live);
      await gw.services.connections.testInBackground(dead);
      const text = (await gw.http.get('/metrics')).text;
      expect(text).toContain(`mcp_gateway_server_up{organization_id="org_metrics",server_id="${live}"} 1`);
      expect(text).toContain(`mcp_gateway_server_up{organization_id="org_metrics",server_id="${dead}"} 0`);
      expect(text).not.toContain(`server_id="${untested}"`);
      expect(text).toMatch(new RegExp(`mcp_gateway_server_seconds_since_success\\{organization_id="org_metrics",server_id="${live}"\\} \\d`));
      expect(text).not.toMatch(new RegExp(`mcp_gateway_server_seconds_since_success\\{[^}]*server_id="${dead}"`));
    } finally {
      await gw.close();
    }
  });
});
