import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { secretContext } from '../../core/secrets/contexts';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Whatever path a record takes in (an import of any format, a native restore), it passes the
 * rules the API applies, and an update from a file keeps what that file cannot say.
 */
let gw: TestGateway;
const dir = mkdtempSync(join(tmpdir(), 'mcp-import-rules-'));
let org = 0;

beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

async function freshOrg() {
  org += 1;
  const id = `org_rules_${org}`;
  const { key } = await gw.aitronosKey({ orgs: [id] });
  const { headers } = await gw.zuduKey(id);
  return {
    id,
    aitronos: (body: Record<string, unknown>) =>
      gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send({ organization_id: id, ...body }),
    zudu: (body: Record<string, unknown>) => gw.http.post('/api/mcp-servers').set(headers).send({ config: body }),
    list: () => gw.http.get('/v1/mcp-configurations').query({ organization_id: id }).set('X-API-Key', key),
    /** Every stored server with its decrypted secret and header values. */
    stored: () => gw.services.exporter.servers(id, true),
    secretRows: () => gw.services.db.knex('secrets').where({ organization_id: id }),
  };
}

let files = 0;
/** Writes raw JSON text, so keys such as `__proto__` reach the file as they would from disk. */
const writeText = (text: string) => {
  files += 1;
  const path = join(dir, `f${files}.json`);
  writeFileSync(path, text);
  return path;
};
const writeJson = (data: unknown) => writeText(JSON.stringify(data));

const importJson = async (file: string, orgId: string, ...flags: string[]) => {
  const res = await gw.cli('import', file, '--org', orgId, '--json', ...flags);
  return { ...res, report: res.stdout ? JSON.parse(res.stdout) : null };
};

describe('import --on-conflict update keeps what the file cannot express', () => {
  const NEW_URL = 'https://moved.example.com/sse';
  const files: Record<string, (name: string) => unknown> = {
    zudu: (name) => ({ data: { servers: [{ server_name: name, server_url: NEW_URL, transport: 'SSE' }] } }),
    elevenlabs: (name) => ({ mcp_servers: [{ config: { name, url: NEW_URL, transport: 'SSE' } }] }),
    'mcp-json': (name) => ({ mcpServers: { [name]: { url: NEW_URL } } }),
  };

  it.each(Object.keys(files))('keeps a stored API-key auth and its secret when a %s file updates the server, and says so', async (format) => {
    const o = await freshOrg();
    const created = await o.aitronos({
      name: 'Keyed',
      server_url: 'https://keyed.example.com/sse',
      transport_type: 'sse',
      auth_type: 'api_key',
      credentials: { api_key: 'k-kept', header_name: 'X-Key' },
    });
    expect(created.status).toBe(201);
    const { code, report } = await importJson(writeJson(files[format]!('Keyed')), o.id, '--on-conflict', 'update');
    expect(code).toBe(0);
    expect(report.results[0]).toMatchObject({
      action: 'update',
      outcome: 'imported',
      warnings: expect.arrayContaining([expect.stringMatching(/kept stored api_key auth: the file cannot express it/)]),
    });
    const [server] = await o.stored();
    expect(server!.record).toMatchObject({ url: NEW_URL, auth: { type: 'api_key', headerName: 'X-Key' } });
    expect(server!.authSecret).toMatchObject({ value: 'k-kept', managed: true });
    const again = await importJson(writeJson(files[format]!('Keyed')), o.id, '--on-conflict', 'update');
    expect(again.report.results[0]).toMatchObject({ action: 'skip', reason: expect.stringMatching(/already up to date/) });
  });

  it('keeps a stored OAuth client-credentials auth when a Zudu file updates the server', async () => {
    const o = await freshOrg();
    await o.aitronos({
      name: 'OAuth',
      server_url: 'https://oauth.example.com/sse',
      transport_type: 'sse',
      auth_type: 'oauth',
      credentials: { client_id: 'gw', client_secret: 'cs-kept', token_url: 'https://auth.example.com/token' },
    });
    const { report } = await importJson(writeJson(files.zudu!('OAuth')), o.id, '--on-conflict', 'update');
    expect(report.results[0].warnings).toEqual(expect.arrayContaining([expect.stringMatching(/kept stored oauth auth/)]));
    const [server] = await o.stored();
    expect(server!.record.auth).toMatchObject({ type: 'oauth', clientId: 'gw' });
    expect(server!.authSecret?.value).toBe('cs-kept');
  });

  it('keeps the stored value of each masked request header and replaces the ones the file gives', async () => {
    const o = await freshOrg();
    expect(
      (
        await o.zudu({
          name: 'Headed',
          url: 'https://headed.example.com/sse',
          transport: 'SSE',
          request_headers: { 'X-Team': 'team-v1', 'X-Other': 'other-v1' },
        })
      ).status,
    ).toBe(200);
    const file = {
      data: {
        servers: [
          {
            server_name: 'Headed',
            server_url: 'https://headed.example.com/sse',
            transport: 'SSE',
            request_headers: { 'X-Team': '********', 'X-Other': 'other-v2' },
          },
        ],
      },
    };
    const { report } = await importJson(writeJson(file), o.id, '--on-conflict', 'update');
    expect(report.results[0]).toMatchObject({
      action: 'update',
      outcome: 'imported',
      warnings: expect.arrayContaining([expect.stringMatching(/kept the stored value of request header X-Team/)]),
    });
    expect((await o.stored())[0]!.headers).toEqual({ 'X-Team': 'team-v1', 'X-Other': 'other-v2' });

    const allMasked = { data: { servers: [{ ...file.data.servers[0], request_headers: { 'X-Team': '********', 'X-Other': '********' } }] } };
    const again = await importJson(writeJson(allMasked), o.id, '--on-conflict', 'update');
    expect(again.report.results[0]).toMatchObject({ action: 'skip', reason: expect.stringMatching(/already up to date/) });
    expect((await o.stored())[0]!.headers).toEqual({ 'X-Team': 'team-v1', 'X-Other': 'other-v2' });
  });
});

describe('import --on-conflict update keeps header values held elsewhere', () => {
  it('keeps the stored value of an ElevenLabs header that refers to a secret there', async () => {
    const o = await freshOrg();
    await o.zudu({ name: 'Eleven', url: 'https://eleven.example.com/sse', transport: 'SSE', request_headers: { 'X-Token': 'token-v1' } });
    const file = {
      mcp_servers: [
        {
          config: {
            name: 'Eleven',
            url: 'https://eleven2.example.com/sse',
            transport: 'SSE',
            request_headers: { 'X-Token': { secret_id: 'sec_elsewhere' }, 'X-Client': 'c' },
          },
        },
      ],
    };
    const { report } = await importJson(writeJson(file), o.id, '--on-conflict', 'update');
    expect(report.results[0]).toMatchObject({
      action: 'update',
      outcome: 'imported',
      warnings: expect.arrayContaining([expect.stringMatching(/kept the stored value of request header X-Token/)]),
    });
    expect((await o.stored())[0]!.headers).toEqual({ 'X-Token': 'token-v1', 'X-Client': 'c' });
  });
});

describe('instants', () => {
  it.each([
    ['a Zudu created_at past the year 275760', { data: { servers: [{ server_name: 'Far', server_url: 'https://far.example.com/sse', created_at: 1e20 }] } }],
    ['a negative Zudu created_at', { data: { servers: [{ server_name: 'Far', server_url: 'https://far.example.com/sse', created_at: -5 }] } }],
    ['a fractional Zudu created_at', { data: { servers: [{ server_name: 'Far', server_url: 'https://far.example.com/sse', created_at: 1.5 }] } }],
    [
      'an ElevenLabs created_at of 1e17 seconds',
      { mcp_servers: [{ config: { name: 'Far', url: 'https://far.example.com/sse' }, metadata: { created_at: 1e17 } }] },
    ],
    [
      'an Aitronos createdAt before 1970',
      {
        configurations: [{ name: 'Far', serverUrl: 'https://far.example.com/sse', transportType: 'sse', authType: 'none', createdAt: '1969-12-31T23:59:59Z' }],
      },
    ],
    [
      'an Aitronos createdAt that is no date',
      { configurations: [{ name: 'Far', serverUrl: 'https://far.example.com/sse', transportType: 'sse', authType: 'none', createdAt: 'yesterday' }] },
    ],
  ])('refuses %s with a reason, and the organization’s API keeps answering', async (_label, file) => {
    const o = await freshOrg();
    const { code, report } = await importJson(writeJson(file), o.id);
    expect(code).toBe(1);
    expect(report.results[0]).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/created_?[aA]t must be an instant between 1970-01-01 and 9999-12-31/),
    });
    const list = await o.list();
    expect(list.status).toBe(200);
    expect(list.body.configurations).toEqual([]);
  });

  it('shows a refused entry in a dry run too', async () => {
    const o = await freshOrg();
    const res = await gw.cli(
      'import',
      writeJson({ data: { servers: [{ server_name: 'Far', server_url: 'https://far.example.com/sse', created_at: 1e20 }] } }),
      '--org',
      o.id,
      '--dry-run',
    );
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/refuse +failed +Far +.*created_at must be an instant/);
  });
});

describe('native restore', () => {
  /** A native backup of one organization, each server under a fresh id so it can land in another. */
  async function backupWith(build: (source: ReturnType<typeof freshOrg> extends Promise<infer T> ? T : never) => Promise<unknown>) {
    const source = await freshOrg();
    await build(source);
    const backup = JSON.parse(JSON.stringify(await gw.services.exporter.native(source.id)));
    for (const server of backup.servers) {
      const id = `mcp_${randomBytes(16).toString('hex')}`;
      for (const secret of backup.secrets) if (secret.managedBy === server.id) secret.managedBy = id;
      server.id = id;
    }
    return backup;
  }

  /** Gives a backup's secret another id, encrypted as a gateway would have under that id. */
  function reencrypt(backup: any, secret: any, id: string) {
    const cipher = (gw.services.secrets as any).deps.cipher;
    const value = cipher.decrypt(secret.ciphertext, secretContext(backup.organizationId, secret.id));
    secret.id = id;
    secret.ciphertext = cipher.encrypt(value, secretContext(backup.organizationId, id));
  }

  it('restores a backup whose records pass the rules (the control for the cases below)', async () => {
    const backup = await backupWith((s) =>
      s.aitronos({ name: 'Plain', server_url: 'https://plain.example.com/sse', transport_type: 'sse', auth_type: 'none' }),
    );
    const target = await freshOrg();
    const { code, report } = await importJson(writeJson(backup), target.id);
    expect(code).toBe(0);
    expect(report.summary.imported).toBe(1);
  });

  it.each([
    ['a URL with user:password@', (b: any) => (b.servers[0].url = 'https://user:pw@plain.example.com/sse'), /url must not contain a user name or password/],
    ['an ftp:// URL', (b: any) => (b.servers[0].url = 'ftp://plain.example.com/'), /url must be a valid HTTP\/HTTPS URL/],
    ['a name with a control character', (b: any) => (b.servers[0].name = 'bell\u0007name'), /name must not contain control characters/],
    // 8.64e15 ms is the last instant a JavaScript Date holds (year 275760); one more is none.
    ['a createdAt past the year 275760', (b: any) => (b.servers[0].createdAt = 8.64e15 + 1), /createdAt must be an instant between 1970-01-01 and 9999-12-31/],
    ['an updatedAt past 9999', (b: any) => (b.servers[0].updatedAt = 253402300800000), /updatedAt must be an instant/],
    ['a connection time past 9999', (b: any) => (b.servers[0].connection.lastTestedAt = 8.64e15 + 1), /connection\.lastTestedAt must be an instant/],
    ['an allowed tool with a control character', (b: any) => (b.servers[0].toolPolicy.allowedTools = ['ok', 'bad\u001b']), /allowedTools\[1\]/],
  ])('refuses a server with %s, with a reason, and stores nothing of it', async (_label, mutate, reason) => {
    const backup = await backupWith((s) =>
      s.aitronos({ name: 'Plain', server_url: 'https://plain.example.com/sse', transport_type: 'sse', auth_type: 'none' }),
    );
    mutate(backup);
    const target = await freshOrg();
    const { code, report } = await importJson(writeJson(backup), target.id);
    expect(code).toBe(1);
    expect(report.results[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(reason) });
    const list = await target.list();
    expect(list.status).toBe(200);
    expect(list.body.configurations).toEqual([]);
  });

  it('refuses a data: OAuth token URL, and leaves no secret of that server behind', async () => {
    const backup = await backupWith((s) =>
      s.aitronos({
        name: 'OAuth',
        server_url: 'https://oauth.example.com/sse',
        transport_type: 'sse',
        auth_type: 'oauth',
        credentials: { client_id: 'gw', client_secret: 'cs', token_url: 'https://auth.example.com/token' },
      }),
    );
    backup.servers[0].auth.tokenUrl = 'data:text/plain,token';
    const target = await freshOrg();
    const { code, report } = await importJson(writeJson(backup), target.id);
    expect(code).toBe(1);
    expect(report.results[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/auth\.tokenUrl must be a valid HTTP\/HTTPS URL/) });
    expect(await target.secretRows()).toEqual([]);
  });

  it.each([
    ['a shared secret with a path as its id', (b: any) => reencrypt(b, b.secrets[0], '../../etc/passwd'), /secretId must be 1 to 255/],
    ['a shared secret created past 9999', (b: any) => (b.secrets[0].createdAt = 8.64e15 + 1), /createdAt must be an instant/],
    ['a shared secret with a control character in its name', (b: any) => (b.secrets[0].name = 'a\u001bb'), /name must not contain control characters/],
  ])('refuses %s with a reason', async (_label, mutate, reason) => {
    const backup = await backupWith(async (s) => {
      await gw.http
        .post('/api/secrets')
        .set((await gw.zuduKey(s.id)).headers)
        .send({ secret_id: 'shared_one', name: 'Shared', value: 'v' });
    });
    mutate(backup);
    const target = await freshOrg();
    const { code, report } = await importJson(writeJson(backup), target.id);
    expect(code).toBe(1);
    expect(report.secrets[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(reason) });
    expect(await target.secretRows()).toEqual([]);
  });
});

describe('Zudu export secrets', () => {
  it.each([
    ['an empty id', { secret_id: '', name: 'Empty id', value: 'v' }, /secretId must be 1 to 255/],
    ['a path as its id', { secret_id: '../../etc/passwd', name: 'Path', value: 'v' }, /secretId must be 1 to 255/],
    ['CR LF in its value', { secret_id: 'crlf', name: 'CRLF', value: 'a\r\nX-Injected: 1' }, /value must not contain line breaks/],
    ['an empty value', { secret_id: 'empty', name: 'Empty', value: '' }, /value is required/],
    ['a 100 KB value', { secret_id: 'huge', name: 'Huge', value: 'x'.repeat(100 * 1024) }, /value must be at most 8192 characters/],
    ['a control character in its name', { secret_id: 'named', name: 'a\u001b]0;x\u0007', value: 'v' }, /name must not contain control characters/],
  ])('refuses a secret with %s, with a reason, and stores none', async (_label, secret, reason) => {
    const o = await freshOrg();
    const { code, report } = await importJson(writeJson({ secrets: [secret], servers: [] }), o.id);
    expect(code).toBe(1);
    expect(report.secrets).toEqual([{ id: secret.secret_id, outcome: 'failed', error: expect.stringMatching(reason) }]);
    expect(await o.secretRows()).toEqual([]);
  });

  it('leaves no secret behind when every server that uses it is refused', async () => {
    const o = await freshOrg();
    const file = {
      secrets: [
        { secret_id: 'sec_for_bad', name: 'For bad', value: 'v1' },
        { secret_id: 'sec_unused', name: 'Unused', value: 'v2' },
      ],
      servers: [{ config: { name: 'Bad', url: 'ftp://bad.example.com', transport: 'SSE', secret_token: { secret_id: 'sec_for_bad' } } }],
    };
    const { code, report } = await importJson(writeJson(file), o.id);
    expect(code).toBe(1);
    expect(report.results[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/url must be a valid/) });
    expect(report.secrets).toEqual([
      { id: 'sec_for_bad', outcome: 'failed', error: expect.stringMatching(/not kept: no server that uses it was imported/) },
      { id: 'sec_unused', outcome: 'created', error: null },
    ]);
    expect((await o.secretRows()).map((s: any) => s.id)).toEqual(['sec_unused']);
  });
});

describe('records every format reads', () => {
  it('imports a desktop entry named __proto__ as a server of that name, and refuses a header of that name with a reason', async () => {
    const o = await freshOrg();
    const file = writeText(
      '{"mcpServers": {"__proto__": {"url": "https://proto.example.com/mcp"}, "hdr": {"url": "https://hdr.example.com/mcp", "headers": {"__proto__": "x"}}}}',
    );
    const { report } = await importJson(file, o.id);
    expect(report.results).toEqual([
      expect.objectContaining({ name: '__proto__', outcome: 'imported' }),
      expect.objectContaining({ name: 'hdr', outcome: 'failed', error: expect.stringMatching(/__proto__/) }),
    ]);
    expect((await o.list()).body.configurations.map((c: any) => c.name)).toEqual(['__proto__']);
  });

  it.each([
    [
      'a Zudu transport',
      { data: { servers: [{ server_name: 'C', server_url: 'https://c.example.com/sse', transport: 'constructor' }] } },
      /unknown transport 'constructor'/,
    ],
    [
      'an ElevenLabs transport',
      { mcp_servers: [{ config: { name: 'C', url: 'https://c.example.com/sse', transport: 'constructor' } }] },
      /unknown transport 'constructor'/,
    ],
    [
      'an Aitronos auth_type',
      [{ name: 'C', server_url: 'https://c.example.com/sse', transport_type: 'sse', auth_type: 'constructor' }],
      /unknown auth_type 'constructor'/,
    ],
    [
      'an Aitronos list authType',
      { configurations: [{ name: 'C', serverUrl: 'https://c.example.com/sse', transportType: 'sse', authType: 'toString' }] },
      /unknown auth type 'toString'/,
    ],
  ])('answers %s of "constructor" with a clean reason, never an unexpected error', async (_label, file, reason) => {
    const o = await freshOrg();
    const { report } = await importJson(writeJson(file), o.id);
    expect(report.results[0].reason + (report.results[0].error ?? '')).toMatch(reason);
    expect(JSON.stringify(report)).not.toMatch(/unexpected error/);
    expect((await o.list()).body.configurations).toEqual([]);
  });

  it.each([
    [
      'a Zudu header value with CR LF',
      { data: { servers: [{ server_name: 'H', server_url: 'https://h.example.com/sse', request_headers: { 'X-A': 'a\r\nb' } }] } },
      /line breaks/,
    ],
    ['a desktop header named Host', { mcpServers: { h: { url: 'https://h.example.com/mcp', headers: { Host: 'evil' } } } }, /managed by the gateway/],
    [
      'an Aitronos OAuth token URL of data:',
      [
        {
          name: 'O',
          server_url: 'https://o.example.com/sse',
          transport_type: 'sse',
          auth_type: 'oauth',
          credentials: { client_id: 'c', client_secret: 's', token_url: 'data:,x' },
        },
      ],
      /auth\.tokenUrl must be a valid HTTP\/HTTPS URL/,
    ],
    ['an ElevenLabs URL with user:password@', { mcp_servers: [{ config: { name: 'U', url: 'https://u:p@u.example.com/sse' } }] }, /user name or password/],
  ])('refuses %s with the API’s reason, in a dry run as well', async (_label, file, reason) => {
    const o = await freshOrg();
    const path = writeJson(file);
    const dry = await importJson(path, o.id, '--dry-run');
    expect(dry.report.results[0]).toMatchObject({ action: 'refuse', error: expect.stringMatching(reason) });
    const real = await importJson(path, o.id);
    expect(real.code).toBe(1);
    expect(real.report.results[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(reason) });
    expect(await o.secretRows()).toEqual([]);
  });
});

describe('--org', () => {
  it.each(['', '../other', 'has space', 'x'.repeat(300), '-leading-dash'])(
    'refuses %j as an organization id for import and export, writing nothing',
    async (bad) => {
      const file = writeJson({ mcpServers: { s: { url: 'https://s.example.com/mcp' } } });
      const imported = await gw.cli('import', file, `--org=${bad}`);
      expect(imported.code).not.toBe(0);
      expect(imported.stderr).toMatch(/is not a valid organization id/);
      expect(await gw.services.db.knex('mcp_servers').where({ organization_id: bad })).toEqual([]);
      const exported = await gw.cli('export', `--org=${bad}`, '--format', 'native');
      expect(exported.code).not.toBe(0);
      expect(exported.stderr).toMatch(/is not a valid organization id/);
    },
  );
});
