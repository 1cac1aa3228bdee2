import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '../support/fixtures';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
const dir = mkdtempSync(join(tmpdir(), 'mcp-import-'));
let org = 0;

beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

/** A fresh organization with keys for both dialects. */
async function freshOrg() {
  org += 1;
  const id = `org_import_${org}`;
  const { key } = await gw.aitronosKey({ orgs: [id] });
  const { headers } = await gw.zuduKey(id);
  return {
    id,
    aitronos: async () => (await gw.http.get('/v1/mcp-configurations').query({ organization_id: id }).set('X-API-Key', key)).body.configurations as any[],
    zudu: async (serverId: string) => (await gw.http.get(`/api/mcp-servers/${serverId}`).set(headers)).body.data,
  };
}

const writeJson = (name: string, data: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(data));
  return path;
};

const importJson = async (file: string, orgId: string, ...flags: string[]) => {
  const res = await gw.cli('import', file, '--org', orgId, '--json', ...flags);
  return { ...res, report: res.stdout ? JSON.parse(res.stdout) : null };
};

describe('mcp-gateway import', () => {
  it.each([
    ['aitronos-list.json', 'aitronos', 2],
    ['aitronos-create-bodies.json', 'aitronos', 2],
    ['zudu-list.json', 'zudu', 2],
    ['zudu-create-bodies.json', 'zudu', 1],
    ['elevenlabs-list.json', 'elevenlabs', 2],
    ['claude-desktop.json', 'mcp-json', 2],
    ['cursor.json', 'mcp-json', 2],
  ])('lands %s (detected as %s) and a second import of it changes nothing', async (file, format, count) => {
    const o = await freshOrg();
    const first = await importJson(fixturePath(file), o.id);
    expect(first.code).toBe(0);
    expect(first.report.format).toBe(format);
    expect(first.report.summary.imported).toBe(count);
    const before = await o.aitronos();
    expect(before).toHaveLength(count);

    const second = await importJson(fixturePath(file), o.id);
    expect(second.code).toBe(0);
    expect(second.report.summary).toMatchObject({ create: 0, update: 0, rename: 0, imported: 0, failed: 0 });
    expect(
      second.report.results
        .filter((r: any) => !r.reason.startsWith('already up to date'))
        .every((r: any) => r.action === 'skip' && /stdio|cannot/.test(r.reason)),
    ).toBe(true);
    expect(await o.aitronos()).toEqual(before);
  });

  it('imports an Aitronos list response’s authenticated servers inactive and flagged as needing credentials', async () => {
    const o = await freshOrg();
    const { report } = await importJson(fixturePath('aitronos-list.json'), o.id);
    expect(report.results[0].warnings[0]).toMatch(/needs credentials/);
    const [needsCredentials, open] = await o.aitronos();
    expect(needsCredentials).toMatchObject({ name: 'My MCP Server', isActive: false, authType: 'none' });
    expect(open).toMatchObject({
      name: 'Public Docs',
      isActive: false,
      toolConfiguration: { enabled: true, allowedTools: ['search'] },
      createdAt: '2025-11-02T08:30:00.000Z',
    });
  });

  it('imports desktop header values as encrypted request headers, and skips stdio entries with the reason', async () => {
    const o = await freshOrg();
    const { report } = await importJson(fixturePath('claude-desktop.json'), o.id);
    expect(report.results.find((r: any) => r.name === 'filesystem')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/stdio/) });
    const github = (await o.aitronos()).find((c) => c.name === 'github');
    expect((await o.zudu(github.id)).request_headers).toEqual({ Authorization: '********' });
    expect(await gw.database.rawContents()).not.toContain('ghp_desktop_token');
  });

  it('keeps ElevenLabs secret references, approvals and creation times', async () => {
    const o = await freshOrg();
    await importJson(fixturePath('elevenlabs-list.json'), o.id);
    const zapier = (await o.aitronos()).find((c) => c.name === 'Zapier MCP');
    expect(await o.zudu(zapier.id)).toMatchObject({
      secret_token_id: 'sec_token_1',
      approval_policy: 'require_approval_per_tool',
      tool_approval_hashes: [{ tool_name: 'gmail_send_email', approval_policy: 'requires_approval' }],
      request_headers: { 'X-Client': '********' },
      created_at: 1735689600000,
    });
  });

  it('prints the plan and writes nothing with --dry-run', async () => {
    const o = await freshOrg();
    const res = await gw.cli('import', fixturePath('aitronos-create-bodies.json'), '--org', o.id, '--dry-run');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/create +planned +My MCP Server/);
    expect(res.stdout).toMatch(/skip +planned +Local files .*stdio/);
    expect(res.stdout).toMatch(/Dry run \(nothing written\)/);
    expect(await o.aitronos()).toEqual([]);
  });

  describe('conflicts', () => {
    const changed = (url: string) => [{ name: 'Conflicting', organization_id: 'x', server_url: url, transport_type: 'sse', auth_type: 'none' }];

    it('skips a server whose name exists with other content by default, saying how to change that', async () => {
      const o = await freshOrg();
      await importJson(writeJson('c1.json', changed('https://one.example.com')), o.id);
      const { report } = await importJson(writeJson('c2.json', changed('https://two.example.com')), o.id);
      expect(report.results[0]).toMatchObject({ action: 'skip', reason: expect.stringMatching(/differs in url.*--on-conflict/) });
      expect((await o.aitronos())[0].serverUrl).toBe('https://one.example.com/');
    });

    it('updates it in place with --on-conflict update, keeping its id', async () => {
      const o = await freshOrg();
      await importJson(writeJson('u1.json', changed('https://one.example.com')), o.id);
      const [before] = await o.aitronos();
      const { report } = await importJson(writeJson('u2.json', changed('https://two.example.com')), o.id, '--on-conflict', 'update');
      expect(report.results[0]).toMatchObject({ action: 'update', outcome: 'imported', id: before.id });
      expect(await o.aitronos()).toMatchObject([{ id: before.id, serverUrl: 'https://two.example.com/' }]);
      const again = await importJson(writeJson('u2.json', changed('https://two.example.com')), o.id, '--on-conflict', 'update');
      expect(again.report.results[0]).toMatchObject({ action: 'skip', reason: expect.stringMatching(/already up to date/) });
    });

    it('imports it under a new name with --on-conflict rename', async () => {
      const o = await freshOrg();
      await importJson(writeJson('r1.json', changed('https://one.example.com')), o.id);
      const { report } = await importJson(writeJson('r2.json', changed('https://two.example.com')), o.id, '--on-conflict', 'rename');
      expect(report.results[0]).toMatchObject({ action: 'rename', targetName: 'Conflicting (2)' });
      expect((await o.aitronos()).map((c) => c.name)).toEqual(['Conflicting', 'Conflicting (2)']);
      const again = await importJson(writeJson('r2.json', changed('https://two.example.com')), o.id, '--on-conflict', 'rename');
      expect(again.report.summary.rename).toBe(1);
    });
  });

  it('lands each server whole or not at all, reports which failed, and exits non-zero', async () => {
    const o = await freshOrg();
    const file = writeJson('partial.json', [
      {
        name: 'Good one',
        organization_id: 'x',
        server_url: 'https://good.example.com',
        transport_type: 'sse',
        auth_type: 'bearer_token',
        credentials: { token: 't1' },
      },
      {
        name: 'Bad URL',
        organization_id: 'x',
        server_url: 'ftp://bad.example.com',
        transport_type: 'sse',
        auth_type: 'bearer_token',
        credentials: { token: 't2' },
      },
      { name: 'Good two', organization_id: 'x', server_url: 'https://good2.example.com', transport_type: 'sse', auth_type: 'none' },
    ]);
    const res = await importJson(file, o.id);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/1 item\(s\) failed to import/);
    expect(res.report.results.map((r: any) => [r.name, r.outcome])).toEqual([
      ['Good one', 'imported'],
      ['Bad URL', 'failed'],
      ['Good two', 'imported'],
    ]);
    expect(res.report.results[1].error).toMatch(/url must be a valid HTTP\/HTTPS URL/);
    const orphans = await gw.services.db
      .knex('secrets')
      .where({ organization_id: o.id })
      .whereNotIn('managed_by', gw.services.db.knex('mcp_servers').select('id'));
    expect(orphans).toEqual([]);
  });

  it('rolls back a server whose write fails halfway, leaving no secret of it behind', async () => {
    const o = await freshOrg();
    // Every transaction gets its own store object: fail the write in the class they all share.
    const { KnexServerStore } = await import('../../core/store/servers.knex-store');
    const insert = KnexServerStore.prototype.insert;
    KnexServerStore.prototype.insert = async function (this: InstanceType<typeof KnexServerStore>, server) {
      if (server.name === 'Fails after its secret') throw new Error('disk full');
      return insert.call(this, server);
    };
    try {
      const { readImport } = await import('../../adapters/migration/formats');
      const parsed = readImport([
        {
          name: 'Fails after its secret',
          server_url: 'https://a.example.com',
          transport_type: 'sse',
          auth_type: 'bearer_token',
          credentials: { token: 'halfway' },
        },
        { name: 'Lands', server_url: 'https://b.example.com', transport_type: 'sse', auth_type: 'bearer_token', credentials: { token: 'whole' } },
      ]);
      if (parsed.kind !== 'servers') throw new Error('expected servers');
      const report = await gw.services.importer.run(o.id, parsed.source, { strategy: 'skip', dryRun: false });
      expect(report.results.map((r) => r.outcome)).toEqual(['failed', 'imported']);
      const secrets = await gw.services.db.knex('secrets').where({ organization_id: o.id });
      expect(secrets).toHaveLength(1);
      expect((await o.aitronos()).map((c) => c.name)).toEqual(['Lands']);
    } finally {
      KnexServerStore.prototype.insert = insert;
    }
  });

  it('shows progress on stderr for a large file and a summary table', async () => {
    const o = await freshOrg();
    const many = { mcpServers: Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`server-${i}`, { url: `https://s${i}.example.com/mcp` }])) };
    const res = await gw.cli('import', writeJson('many.json', many), '--org', o.id);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/imported 120\/120/);
    expect(res.stdout).toMatch(/Summary for 120 server\(s\) read as mcp-json:\n {2}create 120 {2}update 0 {2}rename 0 {2}skip 0\n {2}imported 120 {2}failed 0/);
  });

  it('refuses a file of no known format, or one that is not JSON, naming what it expected', async () => {
    const o = await freshOrg();
    const unknown = await gw.cli('import', writeJson('unknown.json', { servers: [] }), '--org', o.id);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/matches no known format: expected one of/);
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, 'hello');
    expect((await gw.cli('import', notJson, '--org', o.id)).stderr).toMatch(/not valid JSON/);
    expect((await gw.cli('import', join(dir, 'missing.json'), '--org', o.id)).code).toBe(2);
  });
});
