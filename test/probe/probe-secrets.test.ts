import { randomBytes } from 'node:crypto';
import { ECHO_ENCODINGS, echoedEverywhere, startEchoingErrorServer, startHttpServer, startMcpServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let echo: Listening;
const running: Listening[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  // An upstream that fails every request and echoes the request headers in its error body.
  echo = await startHttpServer((req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`bad request, you sent ${JSON.stringify(req.headers)}`));
});
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
  await echo.close();
  await gw.close();
});

async function serve(server: Promise<Listening>): Promise<Listening> {
  const started = await server;
  running.push(started);
  return started;
}

const unique = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

/**
 * Every way a body can carry `secret`: as sent, trimmed and JSON-escaped, each of those as is,
 * percent-encoded, hex, base64 and base64url, and the part of its base64 that stays the same
 * wherever it sits inside a longer base64 text.
 */
function formsOf(secret: string): string[] {
  const forms = new Set<string>();
  for (const s of [secret, secret.trim(), JSON.stringify(secret).slice(1, -1), JSON.stringify(secret.trim()).slice(1, -1)]) {
    const bytes = Buffer.from(s);
    forms.add(s).add(JSON.stringify(s).slice(1, -1)).add(encodeURIComponent(s)).add(bytes.toString('hex'));
    forms.add(bytes.toString('base64')).add(bytes.toString('base64url'));
    for (let k = 0; k < 3; k += 1) {
      const shifted = Buffer.concat([Buffer.alloc(k), bytes]).toString('base64');
      forms.add(shifted.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + bytes.length)) / 6)));
    }
  }
  return [...forms].filter((f) => f.length >= 8);
}

function expectNoForm(text: string, secrets: string[]) {
  for (const secret of secrets) for (const form of formsOf(secret)) expect({ secret, found: text.includes(form) }).toEqual({ secret, found: false });
}

async function keys(org: string) {
  return { zudu: (await gw.zuduKey(org)).headers, key: (await gw.aitronosKey({ orgs: [org] })).key };
}

/** Runs /test and Zudu /tools on a server, and reads back what was stored. */
async function probeBothWays(org: string, id: string) {
  const { zudu, key } = await keys(org);
  const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', key);
  const tools = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(zudu);
  const stored = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key);
  const everything = [tested.text, tools.text, stored.text, ...gw.logs, await gw.database.rawContents()].join('\n');
  return { tested, tools, stored, everything };
}

async function createAitronos(org: string, body: Record<string, unknown>) {
  const { key } = await keys(org);
  const created = await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', key)
    .send({ name: unique('probe'), organization_id: org, transport_type: 'streamable_http', ...body });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

describe('probe output', () => {
  it.each(['STREAMABLE_HTTP', 'SSE'])('never carries a stored credential, even when the upstream echoes it (%s)', async (transport) => {
    const token = `bearer-${transport}-c0ffee`;
    const header = `header-${transport}-beef`;
    const zudu = await gw.zuduKey('org_echo');
    const { key } = await gw.aitronosKey({ orgs: ['org_echo'] });
    const secret = await gw.http.post('/api/secrets').set(zudu.headers).send({ name: 'token', value: token });
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu.headers)
      .send({
        config: {
          name: `echo ${transport}`,
          url: echo.url,
          transport,
          request_headers: { 'X-Private': header },
          secret_token: { secret_id: secret.body.data.secret_id },
        },
      });
    const id = created.body.data.id;

    const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', key);
    const tools = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(zudu.headers);
    const stored = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key);

    expect(tested.body.success).toBe(false);
    expect(tools.status).toBe(502);
    expect(stored.body.errorMessage).toEqual(expect.any(String));
    const everything = [tested.text, tools.text, stored.text, ...gw.logs].join('\n');
    expect(everything).not.toContain(token);
    expect(everything).not.toContain(header);
    if (transport === 'STREAMABLE_HTTP') expect(tested.body.message).toContain('[redacted]');
  });
});

describe('an upstream that echoes what it was sent in its error body, in every encoding', () => {
  let everywhere: Listening;
  beforeAll(async () => {
    everywhere = await serve(startEchoingErrorServer());
  });

  const credentials = [
    ['a bearer token with spaces around it (HTTP trims them on the wire)', { auth_type: 'bearer_token', credentials: { token: `  ${unique('spaced')}  ` } }],
    [
      'a bearer token with a quote and a backslash (JSON-escaped in the echo)',
      { auth_type: 'bearer_token', credentials: { token: `${unique('quote')}"and\\slash` } },
    ],
    [
      'an API key with characters percent-encoding changes',
      { auth_type: 'api_key', credentials: { api_key: `${unique('key')} ~/+=&`, header_name: 'X-Upstream-Key' } },
    ],
    ['an OAuth access token', { auth_type: 'oauth', credentials: { access_token: unique('access') } }],
  ] as const;
  const cases = credentials.flatMap(([label, auth]) => ECHO_ENCODINGS.map((as) => [label, as, auth] as const));

  it.each(cases)('masks %s, echoed as %s, in /test, the Zudu /tools 502, the stored errorMessage, the log and the database', async (_label, as, auth) => {
    const org = `org_echo_${randomBytes(3).toString('hex')}`;
    const id = await createAitronos(org, { server_url: `${everywhere.url}?as=${as}`, ...auth });
    const sent = Object.values((auth as { credentials: Record<string, string> }).credentials).filter((v) => v !== 'X-Upstream-Key');
    const { tested, tools, stored, everything } = await probeBothWays(org, id);
    expect(tested.body).toMatchObject({ success: false, failure_class: 'protocol' });
    // The upstream's own words still come through, masked: they help an operator see what went wrong.
    expect(tested.body.message).toMatch(/you sent .*\[redacted\]/);
    expect(tools.status).toBe(502);
    expect(stored.body.errorMessage).toMatch(/^protocol: /);
    expectNoForm(everything, sent);
  });

  it.each(ECHO_ENCODINGS)('masks request-header values and a Zudu secret the same way, echoed as %s', async (as) => {
    const org = `org_echo_${randomBytes(3).toString('hex')}`;
    const { zudu } = await keys(org);
    const [header, secretValue] = [`${unique('header')}"q`, ` ${unique('zudu')}`];
    const secret = await gw.http.post('/api/secrets').set(zudu).send({ name: 'upstream', value: secretValue });
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({
        config: {
          name: 'echo headers',
          url: `${everywhere.url}?as=${as}`,
          transport: 'STREAMABLE_HTTP',
          request_headers: { 'X-Private': header },
          secret_token: { secret_id: secret.body.data.secret_id },
        },
      });
    const { tested, everything } = await probeBothWays(org, created.body.data.id);
    expect(tested.body.message).toContain('[redacted]');
    expectNoForm(everything, [header, secretValue]);
  });

  it.each([
    ['a 1-character bearer token', { auth_type: 'bearer_token', credentials: { token: 'q' } }],
    ['a 3-character API key', { auth_type: 'api_key', credentials: { api_key: 'k9z', header_name: 'X-Upstream-Key' } }],
  ])('passes none of the upstream’s own words through when %s was sent, since it cannot be masked reliably', async (_label, auth) => {
    const org = `org_echo_${randomBytes(3).toString('hex')}`;
    const id = await createAitronos(org, { server_url: everywhere.url, ...auth });
    const { tested, tools, stored } = await probeBothWays(org, id);
    const expected = 'The server did not answer as an MCP server (HTTP 500); its own words are withheld because a credential sent to it is too short to mask';
    expect(tested.body).toMatchObject({ success: false, failure_class: 'protocol', message: expected });
    expect(tools.body.error).toBe(`protocol: ${expected}`);
    expect(stored.body.errorMessage).toBe(`protocol: ${expected}`);
  });
});

describe('an upstream that reflects what it was sent into a successful answer', () => {
  /** serverInfo, tool names, descriptions and input schemas, all made of the request's headers. */
  const reflecting = (transport: 'streamable_http' | 'sse') =>
    startMcpServer({
      transport,
      reflect: {
        serverInfo: (h) => ({ name: `echo ${JSON.stringify(h)}`, version: String(h.authorization ?? h['x-upstream-key'] ?? 'none') }),
        tools: (h) => {
          const value = String(h.authorization ?? h['x-upstream-key'] ?? '').replace(/^Bearer /, '');
          return [
            {
              name: 'search',
              description: `You sent ${echoedEverywhere(h)}`,
              inputSchema: {
                type: 'object',
                properties: {
                  [value]: { type: 'string', description: Buffer.from(JSON.stringify(h)).toString('base64') },
                  q: { enum: [h['x-private'] ?? 'none'] },
                },
              },
            },
            { name: `leak_${value}`, description: 'named after a credential', inputSchema: { type: 'object' } },
          ];
        },
      },
    });

  it.each(['streamable_http', 'sse'] as const)(
    'masks the bearer token and header values in serverInfo, descriptions and schemas, and withholds a tool named after one (%s)',
    async (transport) => {
      const upstream = await serve(reflecting(transport));
      const org = `org_reflect_${randomBytes(3).toString('hex')}`;
      const [token, header] = [unique('tok'), unique('hdr')];
      const { zudu } = await keys(org);
      const secret = await gw.http.post('/api/secrets').set(zudu).send({ name: 'bearer', value: token });
      const created = await gw.http
        .post('/api/mcp-servers')
        .set(zudu)
        .send({
          config: {
            name: 'reflect',
            url: upstream.url,
            transport: transport.toUpperCase(),
            request_headers: { 'X-Private': header },
            secret_token: { secret_id: secret.body.data.secret_id },
          },
        });
      const id = created.body.data.id as string;
      const { tested, tools, everything } = await probeBothWays(org, id);
      expect(tested.body).toMatchObject({
        success: true,
        available_tools: ['search'],
        message: 'Connected; 1 tool(s) available; 1 withheld because its name carries a credential the gateway sent',
        server_info: { name: expect.stringContaining('[redacted]'), version: 'Bearer [redacted]' },
      });
      expect(tools.status).toBe(200);
      expect(tools.body.data.map((t: { name: string }) => t.name)).toEqual(['search']);
      expect(tools.body.data[0].description).toContain('[redacted]');
      expect(Object.keys(tools.body.data[0].inputSchema.properties)).toEqual(['[redacted]', 'q']);
      expect(tools.body.data[0].inputSchema.properties.q).toEqual({ enum: ['[redacted]'] });
      expectNoForm(everything, [token, header]);
    },
  );

  it('masks an API key, a Zudu secret and a fetched OAuth access token the same way', async () => {
    const upstream = await serve(reflecting('streamable_http'));
    const issuedToken = unique('issued');
    const tokenEndpoint = await serve(
      startHttpServer((_req, res) =>
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: issuedToken, token_type: 'Bearer' })),
      ),
    );
    const org = `org_reflect_${randomBytes(3).toString('hex')}`;
    const [apiKey, clientSecret, zuduSecret] = [unique('apikey'), unique('client-secret'), unique('zudu')];
    const ids = [
      await createAitronos(org, { server_url: upstream.url, auth_type: 'api_key', credentials: { api_key: apiKey, header_name: 'X-Upstream-Key' } }),
      await createAitronos(org, {
        server_url: upstream.url,
        auth_type: 'oauth',
        credentials: { client_id: 'cid', client_secret: clientSecret, token_url: tokenEndpoint.url.replace('/mcp', '/token') },
      }),
    ];
    const { zudu } = await keys(org);
    const secret = await gw.http.post('/api/secrets').set(zudu).send({ name: 'reflected', value: zuduSecret });
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(zudu)
      .send({ config: { name: 'zudu reflect', url: upstream.url, transport: 'STREAMABLE_HTTP', secret_token: { secret_id: secret.body.data.secret_id } } });
    ids.push(created.body.data.id);
    const seen: string[] = [];
    for (const id of ids) {
      const { tested, tools, everything } = await probeBothWays(org, id);
      expect(tested.body).toMatchObject({ success: true, available_tools: ['search'] });
      expect(tools.body.data[0].description).toContain('[redacted]');
      seen.push(everything);
    }
    expectNoForm(seen.join('\n'), [apiKey, issuedToken, zuduSecret, clientSecret]);
  });

  it('masks a very short credential only where it stands alone, not inside other words', async () => {
    const upstream = await serve(
      startMcpServer({
        transport: 'streamable_http',
        reflect: { tools: (h) => [{ name: 'grab', description: `You sent ${String(h.authorization)}. Grab a tab.`, inputSchema: { type: 'object' } }] },
      }),
    );
    const org = `org_reflect_${randomBytes(3).toString('hex')}`;
    const id = await createAitronos(org, { server_url: upstream.url, auth_type: 'bearer_token', credentials: { token: 'ab' } });
    const { tools } = await probeBothWays(org, id);
    expect(tools.body.data).toMatchObject([{ name: 'grab', description: 'You sent Bearer [redacted]. Grab a tab.' }]);
  });
});
