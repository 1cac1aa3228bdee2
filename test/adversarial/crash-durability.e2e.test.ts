import { request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { AesGcmCipher } from '../../core/secrets/aes-gcm-cipher';
import { secretContext } from '../../core/secrets/contexts';
import { openDatabase } from '../../core/store/database';
import { startServe } from '../support/processes';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { cli } from '../support/cli';

const KEY = randomBytes(32);
const KILLS = Number(process.env.CRASH_KILLS ?? 10);

function create(port: number, apiKey: string, name: string): Promise<number | null> {
  return new Promise((resolve) => {
    const body = JSON.stringify({
      name,
      organization_id: 'org_crash',
      server_url: `https://${name.replace(/\W/g, '')}.example.com/mcp`,
      transport_type: 'sse',
      auth_type: 'bearer_token',
      credentials: { token: `token-of-${name}` },
    });
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/v1/mcp-configurations',
        agent: false,
        headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? null));
        res.on('error', () => resolve(null));
      },
    );
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

let db: TestDatabase;
beforeAll(async () => (db = await createTestDatabase()));
afterAll(() => db.drop());

describe('crash durability', () => {
  it(`keeps every acknowledged create whole, and nothing half-written, across ${KILLS} SIGKILLs under load`, async () => {
    const env = {
      DATABASE_URL: db.url,
      MCP_GATEWAY_ENCRYPTION_KEY: KEY.toString('base64'),
      MCP_GATEWAY_DEMO: 'false',
      MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'info',
    };
    const apiKey = JSON.parse((await cli(db.url, KEY.toString('base64'), 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_crash', '--json')).stdout)
      .apiKey as string;
    const acknowledged = new Set<string>();
    let sent = 0;
    for (let round = 0; round < KILLS; round += 1) {
      const gateway = await startServe(env);
      let running = true;
      const workers = Array.from({ length: 6 }, async () => {
        while (running) {
          const name = `crash ${round} ${sent++}`;
          if ((await create(gateway.port, apiKey, name)) === 201) acknowledged.add(name);
        }
      });
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 350));
      await gateway.signal('SIGKILL');
      running = false;
      await Promise.all(workers);
    }
    expect(acknowledged.size).toBeGreaterThan(KILLS * 5);

    // Read what survived straight from the database, after one clean start to run recovery.
    const last = await startServe(env);
    await last.signal('SIGTERM');
    const { knex, close } = openDatabase(db.target);
    try {
      const servers = (await knex('mcp_servers').where({ organization_id: 'org_crash' })) as Array<{ id: string; name: string; auth_secret_id: string }>;
      const secrets = (await knex('secrets').where({ organization_id: 'org_crash' })) as Array<{ id: string; managed_by: string; ciphertext: string }>;
      const byName = new Map(servers.map((s) => [s.name, s]));
      const cipher = new AesGcmCipher(KEY);
      for (const name of acknowledged) {
        const server = byName.get(name);
        expect({ name, present: !!server }).toEqual({ name, present: true });
      }
      // Whole: every server row has its secret, and every secret its server; values decrypt to what was sent.
      const secretsById = new Map(secrets.map((s) => [s.id, s]));
      for (const server of servers) {
        const secret = secretsById.get(server.auth_secret_id);
        expect({ server: server.name, secret: !!secret }).toEqual({ server: server.name, secret: true });
        expect(cipher.decrypt(secret!.ciphertext, secretContext('org_crash', secret!.id))).toBe(`token-of-${server.name}`);
      }
      const serverIds = new Set(servers.map((s) => s.id));
      expect(secrets.filter((s) => !serverIds.has(s.managed_by))).toEqual([]);
      expect(servers.length).toBeGreaterThanOrEqual(acknowledged.size);
      expect(servers.length).toBeLessThanOrEqual(sent);
    } finally {
      await close();
    }
  }, 120000);
});
