import { request } from 'node:http';
import { aitronosCreateBody, zuduConfig } from '../support/builders';
import { migrateToLatest, openDatabase } from '../../core/store/database';
import { cli } from '../support/cli';
import { startServe, type ServeProcess } from '../support/processes';
import { createTestDatabase, testEngine, type TestDatabase } from '../support/test-database';

/*
 * Runs `serve` from dist/ (build it first: npx tsc -p tsconfig.build.json). Two processes on one
 * SQLite file is a documented topology (WORKERS=N, or two `serve`s); PostgreSQL has its own test
 * of two instances in test/ops/.
 */
const KEY = Buffer.alloc(32, 23).toString('base64');
const sqliteOnly = testEngine() === 'sqlite' ? describe : describe.skip;

interface Answer {
  status: number;
  body: any;
}

function call(port: number, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      { host: '127.0.0.1', port, method, path, agent: false, headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Runs the tasks with at most `width` in flight at once. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
  return results;
}

/** Kills a process and waits for it, also when it has already exited (by a code or a signal). */
function stop(g: ServeProcess): Promise<void> {
  if (g.child.exitCode !== null || g.child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    g.child.once('exit', () => done());
    g.child.kill('SIGKILL');
  });
}

let db: TestDatabase;
let gateways: ServeProcess[] = [];
beforeEach(async () => (db = await createTestDatabase()));
afterEach(async () => {
  await Promise.all(gateways.map(stop));
  gateways = [];
  await db.drop();
});

sqliteOnly('SQLite shared by two processes', () => {
  it('answers 300 concurrent writes split across two serve processes on one file without a single 5xx, and stores every one', async () => {
    const aitronos = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'aitronos', '--org', 'org_two', '--json')).stdout).apiKey as string;
    const zudu = JSON.parse((await cli(db.url, KEY, 'keys', 'create', '--dialect', 'zudu', '--org', 'org_two', '--json')).stdout);
    const env = { DATABASE_URL: db.url, MCP_GATEWAY_ENCRYPTION_KEY: KEY, MCP_GATEWAY_DEMO: 'false', MCP_GATEWAY_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' };
    gateways = await Promise.all([startServe(env), startServe(env)]);
    const ports = gateways.map((g) => g.port);
    const ak = { 'X-API-Key': aitronos };
    const zk = { 'X-API-KEY': zudu.apiKey as string, 'X-API-SECRET': zudu.apiSecret as string };

    // A few servers every process then updates: each update reads the row, then writes it.
    const shared = await Promise.all([0, 1, 2, 3].map((i) => call(ports[i % 2]!, 'POST', '/v1/mcp-configurations', ak, aitronosCreateBody('org_two', { auth_type: 'bearer', credentials: { token: 'first' } }))));
    const sharedIds = shared.map((r) => r.body.id as string);

    const tasks: Array<() => Promise<Answer & { kind: string }>> = [];
    for (let i = 0; i < 300; i += 1) {
      const port = ports[i % 2]!;
      const kind = ['create', 'update', 'secret', 'zudu-create'][i % 4]!;
      tasks.push(async () => {
        const tag = (r: Answer) => ({ ...r, kind });
        switch (kind) {
          case 'create':
            // A bearer token: the secret and the server are written in one transaction.
            return tag(await call(port, 'POST', '/v1/mcp-configurations', ak, aitronosCreateBody('org_two', { auth_type: 'bearer', credentials: { token: `tok-${i}` } })));
          case 'update':
            return tag(await call(port, 'PATCH', `/v1/mcp-configurations/${sharedIds[i % sharedIds.length]}`, ak, { credentials: { token: `rotated-${i}` } }));
          case 'secret':
            return tag(await call(port, 'POST', '/api/secrets', zk, { secret_id: `sec_${i}`, name: `s${i}`, value: `v-${i}` }));
          default:
            return tag(await call(port, 'POST', '/api/mcp-servers', zk, { config: zuduConfig({ request_headers: { 'X-Team': `t${i}` } }) }));
        }
      });
    }
    const answers = await inParallel(tasks, 40);

    const failures = answers.filter((a) => a.status >= 500).map((a) => `${a.kind} ${a.status} ${JSON.stringify(a.body)}`);
    const logged = gateways.flatMap((g) => g.stdout().split('\n').filter((line) => line.includes('unexpected error')));
    expect({ failures, logged }).toEqual({ failures: [], logged: [] });
    const byKind = (kind: string) => answers.filter((a) => a.kind === kind).map((a) => a.status);
    expect(byKind('create')).toEqual(Array(75).fill(201));
    expect(byKind('update')).toEqual(Array(75).fill(200));
    expect(new Set(byKind('secret'))).toEqual(new Set([200]));
    expect(new Set(byKind('zudu-create'))).toEqual(new Set([200]));
    // Every acknowledged write is there, whichever process answered it.
    const list = await call(ports[0]!, 'GET', '/v1/mcp-configurations?organization_id=org_two', ak);
    expect(list.body.total).toBe(4 + 75 + 75);
    const secrets = await call(ports[1]!, 'GET', '/api/secrets', zk);
    expect(secrets.body.data.secrets.filter((s: { secret_id: string }) => s.secret_id.startsWith('sec_'))).toHaveLength(75);
  }, 120000);

  it('reads on the second connection in WAL mode, and that connection refuses writes', async () => {
    const database = openDatabase(db.target);
    try {
      await migrateToLatest(database.knex);
      const reader = database.reader()!;
      expect(reader.get<{ journal_mode: string }>('PRAGMA journal_mode', [])).toEqual({ journal_mode: 'wal' });
      expect(() => reader.all("INSERT INTO rate_limit_counters (key, window_start, hits) VALUES ('k', 0, 1) RETURNING hits", [])).toThrow(/readonly|read-only/i);
    } finally {
      await database.close();
    }
  });
});
