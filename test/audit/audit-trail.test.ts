import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromNativeBackup } from '../../adapters/migration/native.format';
import { AesGcmCipher } from '../../core/secrets/aes-gcm-cipher';
import { AuditTrail } from '../../core/services/audit-trail';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { gatewayUrl } from '../support/mcp-endpoint';
import { connectAgent } from '../support/mcp-clients';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let up: ModernServer;

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  up = await startModernServer({ legacy: 'stateless' });
});
afterAll(async () => {
  await up.close();
  await gw.close();
});

interface WireEvent {
  sequence: number;
  at: string;
  actor: { keyId: string | null; userId: string | null; dialect: string | null };
  action: string;
  targetType: string;
  targetId: string | null;
  fields: string[];
  outcome: string;
  detail: Record<string, unknown>;
  requestId: string | null;
}

async function trail(org: string, key: string, query: Record<string, string | number> = {}): Promise<WireEvent[]> {
  const answer = await gw.http
    .get('/v1/audit-events')
    .query({ organization_id: org, limit: 1000, ...query })
    .set('X-API-Key', key);
  expect(answer.status).toBe(200);
  return answer.body.events as WireEvent[];
}

describe('the audit trail records', () => {
  it('every configuration change, by whom (key, user, dialect) and under which request, naming fields and never values', async () => {
    const org = 'org-audit-changes';
    const admin = await gw.aitronosKey({ orgs: [org], userId: 'usr_auditor' });
    const zudu = await gw.zuduKey(org);
    const created = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .set('X-Request-Id', 'req-audit-create-1')
      .send({
        organization_id: org,
        name: 'audited',
        server_url: up.url,
        transport_type: 'streamable_http',
        auth_type: 'bearer',
        credentials: { token: 'audit-secret-token-77' },
      });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await gw.http
      .patch(`/v1/mcp-configurations/${id}`)
      .set('X-API-Key', admin.key)
      .send({ tool_configuration: { enabled: false } });
    await gw.http
      .patch(`/api/mcp-servers/${id}`)
      .set(zudu.headers)
      .send({ config: { request_headers: { 'X-Team': 'team-value-secret' } } });
    await gw.http.patch(`/api/mcp-servers/${id}/approval-policy`).set(zudu.headers).send({ approval_policy: 'require_approval_per_tool' });
    await gw.http.post(`/api/mcp-servers/${id}/tool-approvals`).set(zudu.headers).send({ tool_name: 'echo', approval_policy: 'auto_approved' });
    await gw.http.delete(`/api/mcp-servers/${id}/tool-approvals/echo`).set(zudu.headers);
    await gw.http.post('/api/secrets').set(zudu.headers).send({ secret_id: 'audit-shared', name: 'shared', value: 'shared-value-secret-1' });
    await gw.http.patch('/api/secrets/audit-shared').set(zudu.headers).send({ value: 'shared-value-secret-2' });
    await gw.http.delete('/api/secrets/audit-shared').set(zudu.headers);
    await gw.http.delete(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key);

    const events = (await trail(org, admin.key)).reverse();
    const actions = events.map((e) => `${e.action} ${e.targetId}`);
    expect(actions).toEqual([
      `key.created ${admin.id}`,
      `key.created ${zudu.id}`,
      `server.created ${id}`,
      `server.updated ${id}`,
      `server.updated ${id}`,
      `server.updated ${id}`,
      `tool_approval.set ${id}`,
      `tool_approval.removed ${id}`,
      'secret.created audit-shared',
      'secret.rotated audit-shared',
      'secret.deleted audit-shared',
      `server.deleted ${id}`,
    ]);
    const [, , create, disable, headers, policy, approval] = events;
    expect(create).toMatchObject({
      actor: { keyId: admin.id, userId: 'usr_auditor', dialect: 'aitronos' },
      requestId: 'req-audit-create-1',
      outcome: 'ok',
      targetType: 'server',
    });
    expect(create!.fields).toEqual(expect.arrayContaining(['name', 'url', 'transport', 'auth']));
    expect(disable!.fields).toEqual(['toolPolicy.enabled']);
    expect(headers).toMatchObject({ actor: { keyId: zudu.id, dialect: 'zudu' }, fields: ['requestHeaders'] });
    expect(policy!.fields).toEqual(['toolPolicy.approvalPolicy']);
    expect(approval!.detail).toMatchObject({ tool: 'echo', state: 'auto_approved' });
    expect(events[0]!.actor).toEqual({ keyId: null, userId: null, dialect: 'operator' });
    const everything = JSON.stringify(await gw.services.db.knex('audit_events').select());
    for (const value of ['audit-secret-token-77', 'team-value-secret', 'shared-value-secret-1', 'shared-value-secret-2'])
      expect(everything).not.toContain(value);
  });

  it('every proxied call: allowed, refused with its rule, held, approved and denied, never with arguments', async () => {
    const org = 'org-audit-calls';
    const owner = await gw.zuduKey(org);
    const made = await gw.http
      .post('/api/mcp-servers')
      .set(owner.headers)
      .send({ config: { url: up.url, name: 'calls', transport: 'STREAMABLE_HTTP', approval_policy: 'require_approval_per_tool' } });
    const id = made.body.data.id as string;
    const caller = await gw.aitronosKey({ orgs: [org], role: 'member' });
    const admin = await gw.aitronosKey({ orgs: [org] });
    const agent = await connectAgent('legacy', gatewayUrl(gw, `/mcp/${id}`), { Authorization: `Bearer ${caller.key}` });
    try {
      const held = await agent.callTool({ name: 'add', arguments: { a: 1, b: 777001 } }).catch((e: { data: { approvalRequestId: string } }) => e);
      const requestId = (held as { data: { approvalRequestId: string } }).data.approvalRequestId;
      await gw.http.post(`/v1/approval-requests/${requestId}/approve`).set('X-API-Key', admin.key).send({});
      await agent.callTool({ name: 'add', arguments: { a: 1, b: 777001 } });
      const second = await agent.callTool({ name: 'add', arguments: { a: 2, b: 777002 } }).catch((e: { data: { approvalRequestId: string } }) => e);
      await gw.http
        .post(`/v1/approval-requests/${(second as { data: { approvalRequestId: string } }).data.approvalRequestId}/deny`)
        .set('X-API-Key', admin.key)
        .send({ reason: 'no' });
      await agent.callTool({ name: 'add', arguments: { a: 2, b: 777002 } }).catch(() => undefined);
      await agent.callTool({ name: 'nonexistent', arguments: {} }).catch(() => undefined);
      await gw.http.patch(`/api/mcp-servers/${id}/approval-policy`).set(owner.headers).send({ approval_policy: 'auto_approve_all' });
      await agent.callTool({ name: 'add', arguments: { a: 3, b: 777003 } });
    } finally {
      await agent.close();
    }
    const calls = (await trail(org, admin.key, { action: 'mcp.call' })).reverse();
    expect(calls.map((e) => [e.outcome, e.detail.tool, e.detail.rule])).toEqual([
      ['held', 'add', 'approval_required'],
      ['approved', 'add', null],
      ['held', 'add', 'approval_required'],
      ['denied', 'add', 'approval_denied'],
      ['refused', 'nonexistent', 'unknown_tool'],
      ['allowed', 'add', null],
    ]);
    expect(calls[0]).toMatchObject({ actor: { keyId: caller.id, dialect: 'aitronos' }, targetId: id, targetType: 'server' });
    const decisions = (await trail(org, admin.key)).filter((e) => e.action.startsWith('approval.')).map((e) => `${e.action} ${e.actor.keyId}`);
    expect(decisions).toEqual(expect.arrayContaining([`approval.requested ${caller.id}`, `approval.approved ${admin.id}`, `approval.denied ${admin.id}`]));
    expect(JSON.stringify(await gw.services.db.knex('audit_events').where({ organization_id: org }).select())).not.toMatch(/77700[123]/);
  });
});

describe('the audit trail also records', () => {
  it('key revocations, imports and restores: one event per run, and one for each server they create', async () => {
    const org = 'org-audit-ops';
    const target = 'org-audit-ops-imported';
    const admin = await gw.aitronosKey({ orgs: [org, target] });
    await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin.key)
      .send({ organization_id: org, name: 'exported', server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
    const dir = mkdtempSync(join(tmpdir(), 'audit-'));
    expect((await gw.cli('export', '--org', org, '--format', 'aitronos', '--out', join(dir, 'aitronos.json'))).code).toBe(0);
    expect((await gw.cli('import', join(dir, 'aitronos.json'), '--org', target)).code).toBe(0);
    const imported = (await trail(target, admin.key)).map((e) => `${e.action} ${e.actor.dialect}`);
    expect(imported).toEqual(expect.arrayContaining(['import.applied operator', 'server.created operator']));

    // A restore into another gateway's database, under this one's key.
    expect((await gw.cli('export', '--org', org, '--format', 'native', '--out', join(dir, 'native.json'))).code).toBe(0);
    const other = await startTestGateway();
    try {
      const backup = fromNativeBackup(JSON.parse(readFileSync(join(dir, 'native.json'), 'utf8')));
      const source = new AesGcmCipher(Buffer.from(gw.encryptionKeyBase64, 'base64'));
      const report = await other.services.restore.run(org, backup, { strategy: 'skip', dryRun: false, sourceCipher: source });
      expect(report.summary).toMatchObject({ imported: 1 });
      const otherAdmin = await other.aitronosKey({ orgs: [org] });
      const restored = (await other.http.get('/v1/audit-events').query({ organization_id: org }).set('X-API-Key', otherAdmin.key)).body.events as WireEvent[];
      expect(restored.map((e) => `${e.action} ${e.detail.via ?? ''}`.trim())).toEqual(expect.arrayContaining(['restore.applied', 'server.created restore']));
    } finally {
      await other.close();
    }

    const revoked = await gw.aitronosKey({ orgs: [org] });
    expect((await gw.cli('keys', 'revoke', revoked.id)).code).toBe(0);
    expect((await trail(org, admin.key, { action: 'key.revoked' }))[0]).toMatchObject({ targetId: revoked.id, actor: { dialect: 'operator' } });
  });
});

describe('reading the audit trail', () => {
  it('is for admins, filtered by time, action, target and actor, a page at a time, in each dialect’s shape', async () => {
    const org = 'org-audit-read';
    const admin = await gw.aitronosKey({ orgs: [org] });
    const member = await gw.aitronosKey({ orgs: [org], role: 'member' });
    const zudu = await gw.zuduKey(org);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const made = await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', admin.key)
        .send({ organization_id: org, name: `r${i}`, server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
      ids.push(made.body.id);
    }
    const memberRead = await gw.http.get('/v1/audit-events').query({ organization_id: org }).set('X-API-Key', member.key);
    expect(memberRead.status).toBe(403);
    expect((await trail(org, admin.key, { action: 'server.created' })).map((e) => e.targetId)).toEqual([...ids].reverse());
    expect((await trail(org, admin.key, { target_id: ids[1]! })).map((e) => e.action)).toEqual(['server.created']);
    expect((await trail(org, admin.key, { actor: member.id })).map((e) => e.action)).toEqual([]);
    const all = await trail(org, admin.key);
    const middle = all.find((e) => e.targetId === ids[1])!;
    expect((await trail(org, admin.key, { since: middle.at, until: new Date(Date.parse(middle.at) + 1).toISOString() })).map((e) => e.targetId)).toContain(
      ids[1],
    );
    const page = await gw.http.get('/v1/audit-events').query({ organization_id: org, limit: 2, offset: 1 }).set('X-API-Key', admin.key);
    expect(page.body.events).toHaveLength(2);
    expect(page.body.total).toBe(all.length);
    const zuduMember = await gw.zuduKey(org, { role: 'member' });
    expect((await gw.http.get('/api/audit-events').set(zuduMember.headers)).status).toBe(403);
    const at = Date.parse(middle.at);
    const zuduWindow = await gw.http
      .get('/api/audit-events')
      .query({ since: at, until: at + 1, action: 'server.created' })
      .set(zudu.headers);
    expect(zuduWindow.body.data.events.map((e: { target_id: string }) => e.target_id)).toContain(ids[1]);
    // Malformed filters are refused by name, never a 500.
    expect((await gw.http.get('/v1/audit-events').query({ organization_id: org, since: '2016-12-31T23:59:60Z' }).set('X-API-Key', admin.key)).status).toBe(422);
    expect((await gw.http.get('/api/audit-events').query({ since: '100000000000000000000' }).set(zudu.headers)).status).toBe(400);
    const nul = await gw.http.get('/v1/audit-events').query({ organization_id: org, target_id: 'a\u0000b', actor: 'c\u0000' }).set('X-API-Key', admin.key);
    expect(nul.status).toBe(200);
    expect(nul.body).toEqual({ events: [], total: 0 });
    const zuduPage = await gw.http.get('/api/audit-events').query({ page: 0, limit: 2, action: 'server.created' }).set(zudu.headers);
    expect(zuduPage.body.data).toMatchObject({ total_count: 3, page: 0, limit: 2, total_pages: 2, has_next: true, has_previous: false });
    expect(zuduPage.body.data.events[0]).toMatchObject({
      action: 'server.created',
      target_id: ids[2],
      at: expect.any(Number),
      previous_hash: expect.any(String),
    });
  });
});

describe('the chain', () => {
  async function seeded(org: string) {
    const admin = await gw.aitronosKey({ orgs: [org] });
    for (let i = 0; i < 4; i += 1)
      await gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', admin.key)
        .send({ organization_id: org, name: `c${i}`, server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
    return admin;
  }

  it('verifies intact, and names the first broken link of an edited, a deleted and a cut-off event (exit 1)', async () => {
    const org = 'org-audit-chain';
    await seeded(org);
    const intact = await gw.cli('audit', 'verify', '--org', org);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain('intact, 5 event(s) checked (1 to 5)');
    const knex = gw.services.db.knex;

    await knex('audit_events')
      .where({ organization_id: org, seq: 3 })
      .update({ fields: JSON.stringify(['name']) });
    const edited = await gw.cli('audit', 'verify', '--org', org, '--json');
    expect(edited.code).toBe(1);
    expect(JSON.parse(edited.stdout)).toMatchObject({ intact: false, broken: { seq: 3, problem: 'edited' }, checked: 2 });
    expect((await gw.cli('audit', 'verify', '--org', org)).stdout).toContain('BROKEN at event 3');

    const org2 = 'org-audit-chain-2';
    await seeded(org2);
    await knex('audit_events').where({ organization_id: org2, seq: 2 }).delete();
    expect(JSON.parse((await gw.cli('audit', 'verify', '--org', org2, '--json')).stdout)).toMatchObject({
      intact: false,
      broken: { seq: 2, problem: 'missing' },
    });

    const org3 = 'org-audit-chain-3';
    await seeded(org3);
    await knex('audit_events').where({ organization_id: org3, seq: 5 }).delete();
    expect(JSON.parse((await gw.cli('audit', 'verify', '--org', org3, '--json')).stdout)).toMatchObject({
      intact: false,
      broken: { seq: 5, problem: 'missing' },
    });

    // The head record deleted: reported, and writing goes on from the last event.
    const org4 = 'org-audit-chain-4';
    const admin4 = await seeded(org4);
    await knex('audit_heads').where({ organization_id: org4 }).delete();
    expect(JSON.parse((await gw.cli('audit', 'verify', '--org', org4, '--json')).stdout)).toMatchObject({
      intact: false,
      broken: { seq: 1, problem: 'unanchored' },
    });
    const more = await gw.http
      .post('/v1/mcp-configurations')
      .set('X-API-Key', admin4.key)
      .send({ organization_id: org4, name: 'after', server_url: up.url, transport_type: 'streamable_http', auth_type: 'none' });
    expect(more.status).toBe(201);
    expect(JSON.parse((await gw.cli('audit', 'verify', '--org', org4, '--json')).stdout)).toMatchObject({ intact: true, checked: 6 });
  });

  it('exports an organization’s events oldest first as JSON lines, from --since', async () => {
    const org = 'org-audit-export';
    await seeded(org);
    const exported = await gw.cli('audit', 'export', '--org', org, '--format', 'jsonl');
    expect(exported.code).toBe(0);
    const lines = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(lines[1]).toMatchObject({ organization_id: org, action: 'server.created', previous_hash: lines[0].hash, time: expect.any(String) });
    const since = await gw.cli('audit', 'export', '--org', org, '--since', String(lines[3].at));
    expect(
      since.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).sequence),
    ).toEqual(expect.arrayContaining([4, 5]));
    expect(since.stdout).not.toContain('"sequence":1,');
    expect((await gw.cli('audit', 'export', '--org', org, '--since', 'yesterday')).code).toBe(2);
  });

  it('prunes nothing from the command line while no retention is set (exit 2, saying so)', async () => {
    const run = await gw.cli('audit', 'prune');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('MCP_GATEWAY_AUDIT_RETENTION_DAYS is not set');
  });

  it('prunes events past the retention from the oldest end, records the pruning, and still verifies', async () => {
    const org = 'org-audit-retention';
    await seeded(org);
    const later = Date.now() + 3 * 86_400_000;
    const retention = new AuditTrail({ store: gw.services.store, clock: { now: () => later }, retentionDays: 2 });
    const pruned = await retention.prune();
    expect(pruned).toEqual(expect.arrayContaining([{ organizationId: org, pruned: 5 }]));
    const left = await gw.services.db.knex('audit_events').where({ organization_id: org }).orderBy('seq');
    expect(left.map((r: { seq: unknown; action: string }) => [Number(r.seq), r.action])).toEqual([[6, 'audit.pruned']]);
    expect(JSON.parse(left[0].detail)).toMatchObject({ events: 5, retentionDays: 2 });
    const verified = await gw.cli('audit', 'verify', '--org', org, '--json');
    expect(JSON.parse(verified.stdout)).toMatchObject({ intact: true, checked: 1, from: 6 });
  });
});
