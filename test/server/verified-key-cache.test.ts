import supertest from 'supertest';
import type { Server } from 'node:http';
import { parseAllowlist, type Allowlist } from '../../core/probe/address-rules';
import { assembleGateway, type AssembledGateway } from '../../server/assemble';
import { createLogger } from '../../server/logger';
import { lineSink } from '../support/log-lines';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/** A second instance of the gateway over the first one's database and key, as a scaled-out deployment runs. */
async function secondInstance(first: TestGateway): Promise<{ gateway: AssembledGateway; server: Server; http: ReturnType<typeof supertest> }> {
  const gateway = await assembleGateway({
    database: first.database.target,
    encryptionKey: Buffer.from(first.encryptionKeyBase64, 'base64'),
    logger: createLogger('silent', lineSink().stream),
    network: { allowlist: parseAllowlist('') as Allowlist, allowPrivateNetworks: false },
    rateLimitPerMinute: 0,
    sharedRateLimits: false,
    processMetrics: false,
  });
  await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
  return { gateway, server: gateway.server, http: supertest(gateway.server) };
}

/** How long a notification may take between instances on a loaded test machine; it usually takes milliseconds. */
const NOTICE_DEADLINE_MS = 2000;

async function statusWithin(deadlineMs: number, request: () => Promise<{ status: number }>, wanted: number): Promise<{ status: number; afterMs: number }> {
  const started = Date.now();
  let status = (await request()).status;
  while (status !== wanted && Date.now() - started < deadlineMs) {
    await new Promise((r) => setTimeout(r, 5));
    status = (await request()).status;
  }
  return { status, afterMs: Date.now() - started };
}

describe('verified keys kept in memory, across instances', () => {
  let first: TestGateway;
  let second: Awaited<ReturnType<typeof secondInstance>>;
  beforeAll(async () => {
    first = await startTestGateway();
    second = await secondInstance(first);
  });
  afterAll(async () => {
    second.server.closeAllConnections();
    await new Promise((resolve) => second.server.close(resolve));
    await second.gateway.services.close();
    await first.close();
  });

  it('serves a key both instances have in memory, and refuses it on both once one instance revokes it', async () => {
    const { key, id } = await first.aitronosKey({ orgs: ['org_cache'] });
    const list = (http: ReturnType<typeof supertest>) => http.get('/v1/mcp-configurations').query({ organization_id: 'org_cache' }).set('X-API-Key', key);
    for (let i = 0; i < 3; i += 1) {
      expect((await list(first.http)).status).toBe(200);
      expect((await list(second.http)).status).toBe(200);
    }
    await first.services.apiKeys.revoke(id);
    // The instance that revoked refuses at once; the other as soon as it hears of it (SQLite: the
    // next request reads the change counter; PostgreSQL: the trigger's notification).
    expect((await list(first.http)).status).toBe(401);
    const elsewhere = await statusWithin(NOTICE_DEADLINE_MS, () => list(second.http), 401);
    expect(elsewhere.status).toBe(401);
    if (first.database.engine === 'sqlite') expect(elsewhere.afterMs).toBeLessThan(NOTICE_DEADLINE_MS / 4);
    // And it stays refused on both.
    for (let i = 0; i < 3; i += 1) expect((await list(second.http)).status).toBe(401);
  });

  it('refuses a key revoked from the command line, in another process, on a running instance', async () => {
    const { key, id } = await first.aitronosKey({ orgs: ['org_cache_cli'] });
    const list = () => second.http.get('/v1/mcp-configurations').query({ organization_id: 'org_cache_cli' }).set('X-API-Key', key);
    expect((await list()).status).toBe(200);
    expect((await first.cli('keys', 'revoke', id)).code).toBe(0);
    expect((await statusWithin(NOTICE_DEADLINE_MS, list, 401)).status).toBe(401);
  });

  it('refuses a pair whose row an operator changed by hand, though both instances had it in memory', async () => {
    const pair = await first.zuduKey('org_cache_sql');
    const list = (http: ReturnType<typeof supertest>) => http.get('/api/mcp-servers').set(pair.headers);
    expect((await list(first.http)).status).toBe(200);
    expect((await list(second.http)).status).toBe(200);
    await first.services.db.knex('api_keys').where({ id: pair.id }).update({ revoked_at: Date.now() });
    expect((await statusWithin(NOTICE_DEADLINE_MS, () => list(first.http), 401)).status).toBe(401);
    expect((await statusWithin(NOTICE_DEADLINE_MS, () => list(second.http), 401)).status).toBe(401);
  });
});
