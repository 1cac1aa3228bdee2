/**
 * An upstream reflects the stored credential back in encodings beyond the plain ones: the agent,
 * who must never learn the stored credential, must not read it. (Scrubbing guards against echoes;
 * an upstream set on leaking its own credential can always transform it past any list of
 * encodings, e.g. reversed: the README says so.)
 */
import type { Agent } from '../../support/mcp-clients';
import { startTestGateway, type TestGateway } from '../../support/test-gateway';
import { startHostile, type Hostile } from './hostile-upstream';
import { agentSet, createViaAitronos, gatewayUrl } from '../../support/mcp-endpoint';

const SECRET = 'stored-bearer-secret-4242';

let gw: TestGateway;
const agents = agentSet();
const upstreams: Hostile[] = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
});
afterAll(async () => {
  await agents.closeAll();
  await Promise.all(upstreams.map((u) => u.close()));
  await gw.close();
});

const base = () => gatewayUrl(gw);

/** The token the upstream received, without the `Bearer ` prefix. */
const tokenOf = (headers: Record<string, unknown>) => String(headers.authorization ?? '').replace(/^Bearer /, '');

async function agentFor(reflect: (token: string) => unknown): Promise<Agent> {
  const up = await startHostile({ call: (_p, h) => reflect(tokenOf(h as never)) });
  upstreams.push(up);
  const org = `org-leak-${Math.random().toString(36).slice(2)}`;
  const { key } = await gw.aitronosKey({ orgs: [org], role: 'member' });
  const id = await createViaAitronos(gw, key, org, up.url, { auth_type: 'bearer', credentials: { token: SECRET } });
  return agents.connect('legacy', `${base()}/mcp/${id}`, { Authorization: `Bearer ${key}` });
}

/** Every way the agent could recover the secret from what it got. */
function recoverable(result: unknown): boolean {
  const text = JSON.stringify(result);
  if (text.includes(SECRET)) return true;
  // Numbers that spell it (a Buffer serialised with JSON.stringify).
  const numbers = [...text.matchAll(/\d+/g)].map((m) => Number(m[0]));
  if (
    Buffer.from(numbers.filter((n) => n < 256))
      .toString('latin1')
      .includes(SECRET)
  )
    return true;
  // Text fields joined (a secret split over content blocks).
  const strings: string[] = [];
  JSON.parse(text, (k, v) => {
    if (k === 'text' && typeof v === 'string') strings.push(v);
    return v;
  });
  if (strings.join('').includes(SECRET)) return true;
  // UTF-16LE base64 (PowerShell's -EncodedCommand, .NET's Encoding.Unicode).
  for (const s of strings)
    for (const run of s.match(/[A-Za-z0-9+/]{16,}/g) ?? []) if (Buffer.from(run, 'base64').toString('utf16le').includes(SECRET)) return true;
  return false;
}

describe('the stored credential does not reach the agent in the encodings careless upstreams use', () => {
  it('withholds it when the upstream returns it as a byte array (JSON of a Node Buffer) in structuredContent', async () => {
    const agent = await agentFor((token) => ({
      content: [{ type: 'text', text: 'debug' }],
      structuredContent: { received: Buffer.from(token) },
    }));
    const result = await agent.callTool({ name: 'echo', arguments: {} });
    expect(recoverable(result)).toBe(false);
  });

  it('withholds it when the upstream returns it base64-encoded as UTF-16LE', async () => {
    const agent = await agentFor((token) => ({ content: [{ type: 'text', text: `auth=${Buffer.from(token, 'utf16le').toString('base64')}` }] }));
    const result = await agent.callTool({ name: 'echo', arguments: {} });
    expect(recoverable(result)).toBe(false);
  });

  it('refuses the answer when the upstream splits it over two content blocks, and the refusal carries none of it', async () => {
    const agent = await agentFor((token) => ({
      content: [
        { type: 'text', text: token.slice(0, 10) },
        { type: 'text', text: token.slice(10) },
      ],
    }));
    const error = await agent.callTool({ name: 'echo', arguments: {} }).then(
      () => null,
      (e: { code?: number; message?: string; data?: unknown }) => e,
    );
    expect(error).toMatchObject({ code: -32034, data: { rule: 'upstream_invalid' } });
    expect(JSON.stringify({ message: error!.message, data: error!.data })).not.toContain(SECRET.slice(0, 10));
  });
});
