import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHttpServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let echo: Listening;
const ORG = 'org_leakscan';
const planted: string[] = [];
const plant = (label: string) => {
  const value = `LEAK-${label}-${randomBytes(6).toString('hex')}`;
  planted.push(value);
  return value;
};

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: 2000 });
  // An upstream that fails everything and echoes every header and body it received.
  echo = await startHttpServer((req, res, body) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`echo ${JSON.stringify(req.headers)} ${body}`));
});
afterAll(async () => {
  await echo.close();
  await gw.close();
});

describe('secret leak scan', () => {
  it('finds no planted secret in any response, log line, export or database file, whatever path it took in', async () => {
    const { key } = await gw.aitronosKey({ orgs: [ORG] });
    const zudu = (await gw.zuduKey(ORG)).headers;
    const seen: string[] = [];
    const keep = <T extends { status: number; text: string; headers: object }>(res: T) => {
      seen.push(`${res.status} ${JSON.stringify(res.headers)} ${res.text}`);
      return res;
    };
    const v1 = async (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, body?: object) =>
      keep(await (body ? gw.http[method](path).set('X-API-Key', key).send(body) : gw.http[method](path).set('X-API-Key', key)));
    const api = async (method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: object) =>
      keep(await (body ? gw.http[method](path).set(zudu).send(body) : gw.http[method](path).set(zudu)));
    const tokenUrl = echo.url.replace('/mcp', '/token');
    const base = (name: string, extra: object) => ({ name, organization_id: ORG, server_url: echo.url, transport_type: 'streamable_http', ...extra });

    // Every way in: each auth type, secret values, request header values.
    const ids = [
      (await v1('post', '/v1/mcp-configurations', base('bearer', { auth_type: 'bearer_token', credentials: { token: plant('bearer') } }))).body.id,
      (await v1('post', '/v1/mcp-configurations', base('api key', { auth_type: 'api_key', credentials: { api_key: plant('apikey'), header_name: 'X-Key' } })))
        .body.id,
      (
        await v1(
          'post',
          '/v1/mcp-configurations',
          base('oauth', { auth_type: 'oauth', credentials: { client_id: 'cid', client_secret: plant('clientsecret'), token_url: tokenUrl } }),
        )
      ).body.id,
      (await v1('post', '/v1/mcp-configurations', base('access', { auth_type: 'oauth', credentials: { access_token: plant('accesstoken') } }))).body.id,
    ] as string[];
    const secret = (await api('post', '/api/secrets', { name: 'shared', value: plant('secretvalue') })).body.data;
    const zuduServer = (
      await api('post', '/api/mcp-servers', {
        config: {
          name: 'zudu',
          url: echo.url,
          transport: 'SSE',
          request_headers: { 'X-Private': plant('header') },
          secret_token: { secret_id: secret.secret_id },
        },
      })
    ).body.data;
    ids.push(zuduServer.id);

    // Every way out: reads, updates, probes that fail (the upstream echoes), error paths.
    await api('patch', `/api/secrets/${secret.secret_id}`, { value: plant('rotatedsecret') });
    await api('patch', `/api/mcp-servers/${zuduServer.id}`, { request_headers: { 'X-Private': '********', 'X-Other': plant('header2') } });
    await v1('patch', `/v1/mcp-configurations/${ids[0]}`, { credentials: { token: plant('rotatedbearer') } });
    for (const id of ids) {
      await v1('get', `/v1/mcp-configurations/${id}`);
      await v1('post', `/v1/mcp-configurations/${id}/test`);
      await api('get', `/api/mcp-servers/${id}`);
      await api('get', `/api/mcp-servers/${id}/tools`);
    }
    await v1('get', `/v1/mcp-configurations?organization_id=${ORG}`);
    await api('get', '/api/mcp-servers');
    await api('get', '/api/secrets');
    await api('post', '/api/mcp-servers/validate-url', { url: echo.url });
    await v1('post', '/v1/mcp-configurations', base('bearer', { auth_type: 'bearer_token', credentials: { token: plant('conflict') } }));
    await v1('post', '/v1/mcp-configurations', base('bad', { auth_type: 'none', credentials: { token: plant('wrongtype') } }));
    await api('post', '/api/mcp-servers', { config: { name: 'zudu', url: echo.url, request_headers: { 'X-P': plant('conflictheader') } } });
    await api('post', '/api/secrets', { secret_id: secret.secret_id, name: 'dup', value: plant('dupsecret') });
    await api('delete', `/api/secrets/${secret.secret_id}`);

    // The command line's exports without --include-secrets.
    const dir = mkdtempSync(join(tmpdir(), 'leak-'));
    const exports: string[] = [];
    for (const format of ['aitronos', 'zudu', 'native']) {
      const out = join(dir, `${format}.json`);
      const res = await gw.cli('export', '--org', ORG, '--format', format, '--out', out);
      exports.push(readFileSync(out, 'utf8'), res.stdout, res.stderr);
    }

    const database = await gw.database.rawContents();
    expect(database).toContain('zudu');
    const everything = [...seen, ...exports, ...gw.logs, database].join('\n');
    for (const value of planted) {
      for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) expect(everything).not.toContain(form);
    }
    expect(planted.length).toBeGreaterThanOrEqual(13);
    expect(seen.length).toBeGreaterThan(25);
  }, 60000);
});
