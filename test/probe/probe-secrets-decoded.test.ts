import { parseAllowlist, ruleFor, type Allowlist } from '../../core/probe/address-rules';
import { NetworkGuard } from '../../core/probe/network-guard';
import { MASK, SecretScrubber } from '../../core/probe/secret-scrub';
import { startHttpServer, startMcpServer, type Listening } from '../support/mcp-servers';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

const ORG = 'org_round2';
let gw: TestGateway;
let key: string;
const closers: Listening[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', probeTimeoutMs: 3000 });
  key = (await gw.aitronosKey({ orgs: [ORG] })).key;
});
afterAll(async () => {
  for (const c of closers) await c.close();
  await gw.close();
});

/** Every way a reader could get the secret back out of a text: decode what looks encoded. */
function recoverable(text: string, secret: string): boolean {
  const candidates = new Set<string>([text]);
  const html = text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, '&');
  candidates.add(html);
  candidates.add(text.replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
  // base64 wrapped over lines (folded into spaces by the sanitizer) joined back together
  for (const t of [text, text.replace(/ (?=[A-Za-z0-9+/=])/g, '')]) {
    for (const run of t.match(/[A-Za-z0-9+/_=-]{4,}/g) ?? []) {
      candidates.add(Buffer.from(run, 'base64').toString('latin1'));
      if (/^[0-9a-fA-F]+$/.test(run) && run.length % 2 === 0) candidates.add(Buffer.from(run, 'hex').toString('latin1'));
    }
  }
  return [...candidates].some((c) => c.includes(secret));
}

async function createBearer(name: string, url: string, token: string): Promise<string> {
  const res = await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', key)
    .send({ name, organization_id: ORG, server_url: url, transport_type: 'streamable_http', auth_type: 'bearer_token', credentials: { token } });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

async function testAndRead(id: string): Promise<{ test: string; stored: string }> {
  const test = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', key);
  expect(test.status).toBe(200);
  const stored = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', key);
  return { test: JSON.stringify(test.body), stored: JSON.stringify(stored.body) };
}

/** An upstream that fails every request with a body built from the Authorization header it got. */
async function errorEcho(body: (authorization: string) => string, type = 'text/plain'): Promise<Listening> {
  const s = await startHttpServer((req, res) => res.writeHead(500, { 'Content-Type': type }).end(body(String(req.headers.authorization ?? ''))));
  closers.push(s);
  return s;
}

const WITHHELD_ENCODED =
  'The server did not answer as an MCP server (HTTP 500); its own words are withheld because a credential sent to it can still be read in them once they are decoded';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

describe('an upstream that echoes a sent secret in an encoding the masks do not know', () => {
  it('withholds the words of an HTML error page (escape-html, as Express and nginx write it) that echoes a secret containing & < > "', async () => {
    const secret = 'Tk&9<zQ>"w4Lp-Rm7x';
    const up = await errorEcho((a) => `<html><body><pre>Unauthorized: ${escapeHtml(a)}</pre></body></html>`, 'text/html');
    const { test, stored } = await testAndRead(await createBearer('html echo', up.url, secret));
    expect(recoverable(test, secret)).toBe(false);
    expect(recoverable(stored, secret)).toBe(false);
    // The gateway's own classified sentence, in the answer and in what is stored.
    expect(JSON.parse(test)).toMatchObject({ success: false, failure_class: 'protocol', message: WITHHELD_ENCODED });
    expect(JSON.parse(stored).errorMessage).toBe(`protocol: ${WITHHELD_ENCODED}`);
  });

  it('withholds the words of an error that echoes the header as MIME base64 (wrapped at 76 columns, as base64.encodebytes and openssl write it)', async () => {
    const secret = `mime${'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6'.slice(0, 56)}`;
    const up = await errorEcho(
      (a) =>
        `debug: ${Buffer.from(`Authorization: ${a}`)
          .toString('base64')
          .replace(/(.{76})/g, '$1\n')}`,
    );
    const { test, stored } = await testAndRead(await createBearer('mime echo', up.url, secret));
    expect(recoverable(test, secret)).toBe(false);
    expect(recoverable(stored, secret)).toBe(false);
  });

  it('withholds the words of an error that echoes base64 of the whole "Bearer <secret>" header with a 6-character secret', async () => {
    const secret = 'k7Qz2x';
    const up = await errorEcho((a) => `seen ${Buffer.from(a).toString('base64')}`);
    const { test, stored } = await testAndRead(await createBearer('short b64 echo', up.url, secret));
    expect(recoverable(test, secret)).toBe(false);
    expect(recoverable(stored, secret)).toBe(false);
  });

  it('masks or redacts a 3-character secret reflected as base64 and hex into serverInfo and a tool description of a successful answer', async () => {
    const secret = 'Q7z';
    const up = await startMcpServer({
      transport: 'streamable_http',
      reflect: {
        serverInfo: (h) => ({
          name: `srv-${Buffer.from(String(h.authorization ?? '')).toString('base64')}`,
          version: Buffer.from(String(h.authorization ?? '').slice(7)).toString('hex'),
        }),
        tools: (h) => [{ name: 'echo', description: `auth ${Buffer.from(String(h.authorization ?? '')).toString('base64')}`, inputSchema: { type: 'object' } }],
      },
    });
    closers.push(up);
    const { test, stored } = await testAndRead(await createBearer('short success echo', up.url, secret));
    expect(test).toContain('"connected"');
    expect(recoverable(test, secret)).toBe(false);
    expect(recoverable(stored, secret)).toBe(false);
  });
});

describe('SecretScrubber on decoded views of an upstream field', () => {
  const secret = 'Tk&9<zQ>"w4Lp-Rm7x';
  const scrub = new SecretScrubber([`Bearer ${secret}`, secret, 'Q7z']);
  const entities = (s: string, hex: boolean) => [...s].map((c) => (hex ? `&#x${c.charCodeAt(0).toString(16)};` : `&#${c.charCodeAt(0)};`)).join('');

  const long = new SecretScrubber([`Bearer ${secret}`, secret]);
  it.each([
    ['as decimal HTML entities', entities(secret, false), long],
    ['as hexadecimal HTML entities', entities(secret, true), long],
    ['entity-escaped twice', escapeHtml(escapeHtml(secret)), long],
    ['as \\uXXXX escapes', [...secret].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''), long],
    ['as \\xHH escapes', [...secret].map((c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''), long],
    ['percent-encoding every byte', [...Buffer.from(secret)].map((b) => `%${b.toString(16)}`).join(''), long],
    [
      'base64 wrapped with spaces every 8 columns',
      Buffer.from(`Authorization: Bearer ${secret}`)
        .toString('base64')
        .replace(/(.{8})/g, '$1 '),
      long,
    ],
    ['base64 of its HTML-escaped form', Buffer.from(escapeHtml(secret)).toString('base64'), long],
    ['a 3-character secret as base64 inside a longer one', Buffer.from('{"user":"x","key":"Q7z","n":1}').toString('base64'), scrub],
    ['a 3-character secret as hex inside a longer one', Buffer.from('key=Q7z;scope=all').toString('hex'), scrub],
  ])('redacts a whole field that carries the secret %s, withholds a tool named so, and withholds those words in an error', (_label, form, scrubber) => {
    const text = `seen: ${form} (end)`;
    expect(scrubber.field(text)).toBe(MASK);
    expect(scrubber.carries(`tool_${form}`)).toBe(true);
    // A 3-character secret withholds every error's words already; the others give way here.
    expect(scrubber.words(text)).toEqual({ withheld: scrubber === scrub ? 'short' : 'encoded' });
  });

  it('keeps ordinary text, base64 and hex that carry no secret', () => {
    const long = new SecretScrubber(['a-long-bearer-token-0123456789']);
    for (const text of [
      'Searches the documents of a workspace by keyword and returns the 20 best matches, newest first.',
      `digest ${'0123456789abcdef'.repeat(4)} and ${Buffer.from('an ordinary payload of bytes').toString('base64')}`,
      'a &amp; b &lt; c, 100% sure, path C:\\temp\\new',
    ]) {
      expect(long.field(text)).toBe(text);
      expect(long.words(text)).toBe(text);
    }
  });

  it('redacts JSON schema strings and keys that still carry a secret once decoded, keeping the rest', () => {
    const b64 = Buffer.from(`Bearer ${secret}`).toString('base64');
    expect(scrub.json({ type: 'object', properties: { [b64]: { type: 'string', description: `was ${escapeHtml(secret)}` }, q: { type: 'string' } } })).toEqual({
      type: 'object',
      properties: { [MASK]: { type: 'string', description: MASK }, q: { type: 'string' } },
    });
  });

  it('decodes a 7.5 MB tool list of ordinary words in well under a second', () => {
    const many = new SecretScrubber([...Array.from({ length: 10 }, (_, i) => `header-value-${i}-0123456789`), 'k9z']);
    const words = 'Searches the documents of a workspace by keyword and returns matches newest first ';
    const tools = Array.from({ length: 12_500 }, (_, i) => ({
      description: `${words.repeat(3)}${i}`,
      inputSchema: { type: 'object', properties: { query: { type: 'string', description: `${words.repeat(3)} ${Buffer.from(`q${i}`).toString('base64')}` } } },
    }));
    expect(JSON.stringify(tools).length).toBeGreaterThan(7_500_000);
    const started = Date.now();
    for (const tool of tools) {
      many.field(tool.description);
      many.json(tool.inputSchema);
    }
    // About half a second on the shared two-core CI machine; the bound leaves room for its load.
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe('the SSRF guard and IPv6 cloud metadata (offline, fake resolver, nothing dialled)', () => {
  const guard = (allowPrivateNetworks: boolean, addresses: string[]) =>
    new NetworkGuard({ allowlist: parseAllowlist('') as Allowlist, allowPrivateNetworks }, async () => addresses);

  it.each([
    ['GCP metadata over IPv6', 'fd20:ce::254'],
    ['OCI metadata over IPv6', 'fd00:c1::a9fe:a9fe'],
  ])('refuses %s (%s) as cloud metadata even with MCP_GATEWAY_ALLOW_PRIVATE_NETWORKS', async (_label, address) => {
    expect(ruleFor(address)).toBe('cloud metadata');
    await expect(guard(true, [address]).resolve('metadata.example')).rejects.toThrow(/metadata|Refused/);
  });
});
