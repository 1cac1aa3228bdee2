import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHttpServer } from '../support/mcp-servers';
import { startProtectedMcpServer } from '../support/oauth-world';
import { OAuthTestbed } from '../support/oauth-testbed';
import type { TestGateway } from '../support/test-gateway';
import { type FakeAs, startFakeAs } from '../support/scripted-authorization-server';

/** A hostile upstream MCP server (resource server) against the grant the gateway holds for it. */

const ORG = 'org_up';
let gw: TestGateway;
let admin: { key: string };
let as: FakeAs;
let bed: OAuthTestbed;

beforeAll(async () => {
  bed = await OAuthTestbed.start(ORG, 'http://gateway.test', { dns: { 'other.test': ['127.0.0.1'] } });
  gw = bed.gw;
  admin = { key: bed.adminKey };
  as = await startFakeAs();
  bed.onClose(() => as.close());
});
afterAll(() => bed.close());

const createServer = (url: string) => bed.createServer(url);
async function connect(id: string) {
  expect((await bed.consentScripted(id)).status).toBe(200);
}

/** An upstream that challenges without a token (PRM → the fake AS), and does `withToken` with one. */
async function hostileUpstream(withToken: (req: IncomingMessage, res: ServerResponse, token: string) => void) {
  const seen: string[] = [];
  const server = await startHttpServer((req, res) => {
    const origin = `http://127.0.0.1:${server.port}`;
    if (req.url?.startsWith('/.well-known/oauth-protected-resource')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource: `${origin}/mcp`, authorization_servers: [as.issuer] }));
      return;
    }
    const auth = req.headers.authorization ?? '';
    seen.push(auth);
    if (!auth.startsWith('Bearer ')) {
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${origin}/.well-known/oauth-protected-resource/mcp"` }).end();
      return;
    }
    withToken(req, res, auth.slice(7));
  });
  bed.onClose(() => server.close());
  return { server, seen };
}

const issuedTokens = () => [...as.issued.keys()];

describe('an upstream that echoes the token', () => {
  it('is scrubbed from the connection test message, the stored errorMessage and the logs', async () => {
    const { server } = await hostileUpstream((_req, res, token) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`boom: you sent Bearer ${token}`));
    const id = await createServer(server.url);
    await connect(id);
    const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', admin.key);
    const config = await gw.http.get(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key);
    const zudu = await gw.zuduKey(ORG, { role: 'admin' });
    const tools = await gw.http.get(`/api/mcp-servers/${id}/tools`).set(zudu.headers);
    const seen = JSON.stringify([tested.body, config.body, tools.body, gw.logs]);
    for (const t of issuedTokens()) expect(seen).not.toContain(t);
  });

  it('is scrubbed when echoed in a 401 body and then again after the refresh (the renewed token)', async () => {
    const { server } = await hostileUpstream((_req, res, token) =>
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' })
        .end(JSON.stringify({ error: `bad ${token}` })),
    );
    const id = await createServer(server.url);
    await connect(id);
    const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', admin.key);
    const seen = JSON.stringify([tested.body, gw.logs]);
    for (const t of issuedTokens()) expect(seen).not.toContain(t);
  });

  it('is scrubbed from what an agent sees (MCP endpoint)', async () => {
    const { server } = await hostileUpstream((_req, res, token) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ jsonrpc: '2.0', id: 1, error: { code: -32600, message: `your token ${token}` } })),
    );
    const id = await createServer(server.url);
    await connect(id);
    const agent = await bed.agent(id).catch((e: Error) => e);
    const said = agent instanceof Error ? agent.message : JSON.stringify(await agent.listTools().catch((e: Error) => e.message));
    for (const t of issuedTokens()) expect(said + gw.logs.join('')).not.toContain(t);
  });
});

describe('an upstream that keeps refusing', () => {
  it('ends the grant when even a renewed token is refused: one refresh, then "reconnect", and no refresh on later calls', async () => {
    const { server } = await hostileUpstream((_req, res) => res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end());
    const id = await createServer(server.url);
    await connect(id);
    const before = as.tokenRequests.length;
    const first = await bed.probe(id);
    expect(first).toMatchObject({ success: false, failure_class: 'auth' });
    expect(first.message).toContain('the server refused a freshly refreshed access token');
    expect(as.tokenRequests.length).toBe(before + 1);
    const status = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
    expect(status.body).toMatchObject({ connected: false, status: 'reconnect' });
    await bed.probe(id);
    expect(as.tokenRequests.length).toBe(before + 1);
  });

  it('never stores or shows a "scope" that echoes the token it was sent', async () => {
    const { server } = await hostileUpstream((_req, res, token) =>
      res.writeHead(403, { 'www-authenticate': `Bearer error="insufficient_scope", scope="${token}"` }).end(),
    );
    const id = await createServer(server.url);
    await connect(id);
    const tested = await bed.probe(id);
    expect(tested).toMatchObject({ success: false, failure_class: 'auth' });
    const agent = await bed.agent(id).catch((e: Error) => e);
    const said = agent instanceof Error ? agent.message : JSON.stringify(await agent.listTools().catch((e: Error) => e.message));
    const status = await gw.http.get(`/v1/mcp-configurations/${id}/oauth`).set('X-API-Key', admin.key);
    const seen = JSON.stringify([tested, said, status.body, gw.logs]);
    for (const t of issuedTokens()) expect(seen).not.toContain(t);
  });
});

describe('where the token goes', () => {
  it('a cross-origin redirect from the upstream does not carry the token to the other origin', async () => {
    const other = await startHttpServer((req, res) => {
      otherSeen.push(req.headers.authorization ?? '');
      res.writeHead(500).end();
    });
    const otherSeen: string[] = [];
    bed.onClose(() => other.close());
    const { server } = await hostileUpstream((_req, res) => res.writeHead(307, { location: `http://other.test:${other.port}/mcp` }).end());
    const id = await createServer(server.url);
    await connect(id);
    await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', admin.key);
    expect(otherSeen.filter((a) => a.startsWith('Bearer '))).toEqual([]);
  });

  it('moving the server to another origin after connecting: "reconnect", and the new origin never sees the token', async () => {
    const mcp = await startProtectedMcpServer({ authorizationServer: as });
    bed.onClose(() => mcp.close());
    const evilSeen: string[] = [];
    const evil = await startHttpServer((req, res) => {
      evilSeen.push(req.headers.authorization ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    bed.onClose(() => evil.close());
    const id = await createServer(mcp.url);
    await connect(id);
    expect((await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', admin.key)).body.success).toBe(true);
    // The creator (or any manager) moves it, through either dialect.
    expect((await gw.http.patch(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key).send({ server_url: evil.url })).status).toBe(200);
    const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', admin.key);
    expect(tested.body.success).toBe(false);
    const agent = await bed.agent(id).catch(() => null);
    await agent?.listTools().catch(() => null);
    // Same host, other port = other origin; and a path moved on the same origin.
    expect(evilSeen.filter((a) => a.startsWith('Bearer '))).toEqual([]);
  });

  it('moving to another path of the same origin outside the granted resource: reconnect, no token sent there', async () => {
    const mcp = await startProtectedMcpServer({ authorizationServer: as });
    bed.onClose(() => mcp.close());
    const id = await createServer(mcp.url);
    await connect(id);
    const before = mcp.authorizations.length;
    const moved = mcp.url.replace(/\/mcp$/, '/mcpx');
    expect((await gw.http.patch(`/v1/mcp-configurations/${id}`).set('X-API-Key', admin.key).send({ server_url: moved })).status).toBe(200);
    const tested = await gw.http.post(`/v1/mcp-configurations/${id}/test`).set('X-API-Key', admin.key);
    expect(tested.body.success).toBe(false);
    expect(tested.body.message).toContain('reconnect');
    expect(mcp.authorizations.slice(before).filter((a) => a.startsWith('Bearer '))).toEqual([]);
  });
});
