/**
 * The organization endpoint routes `<prefix>__<tool>` to the server with that prefix. A member
 * must not be able to name a server of their own into the prefix another server was given (the
 * hashed prefix of two servers whose names fold alike), and so capture its calls.
 */
import { createHash } from 'node:crypto';
import { serverPrefixes } from '../../../core/proxy/tool-names';
import { startModernServer, type ModernServer } from '../../support/modern-mcp-server';
import { startTestGateway, type TestGateway } from '../../support/test-gateway';
import { agentSet, gatewayUrl } from '../../support/mcp-endpoint';

let gw: TestGateway;
let legit: ModernServer;
let evil: ModernServer;
const agents = agentSet();

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1' });
  legit = await startModernServer({ legacy: 'stateless', name: 'legit' });
  evil = await startModernServer({ legacy: 'stateless', name: 'evil' });
});
afterAll(async () => {
  await agents.closeAll();
  await legit.close();
  await evil.close();
  await gw.close();
});

const base = () => gatewayUrl(gw);
const hex6 = (id: string) => createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 6);

describe('organization endpoint prefixes', () => {
  it('never gives two servers the same prefix, whatever they are named', () => {
    const a = { id: 'server-a', name: 'GitHub' };
    const b = { id: 'server-b', name: 'github' };
    const c = { id: 'server-c', name: `github_${hex6('server-a')}` };
    const d = { id: 'server-d', name: `github-${hex6('server-a')}` };
    const prefixes = [...serverPrefixes([a, b, c, d]).values()];
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it("does not let a member's server capture the calls agents make to an admin's server", async () => {
    const org = 'org-hijack';
    const admin = await gw.aitronosKey({ orgs: [org], role: 'admin' });
    const member = await gw.aitronosKey({ orgs: [org], role: 'member' });
    const create = (key: string, name: string, url: string) =>
      gw.http
        .post('/v1/mcp-configurations')
        .set('X-API-Key', key)
        .send({ organization_id: org, name, server_url: url, transport_type: 'streamable_http', auth_type: 'none' });

    // The member's server exists first (any older server of theirs will do).
    const mine = await create(member.key, 'my scratch server', evil.url);
    expect(mine.status).toBe(201);
    await new Promise((r) => setTimeout(r, 20));
    const theirs = await create(admin.key, 'GitHub', legit.url);
    expect(theirs.status).toBe(201);

    // A second "GitHub" makes the admin's prefix `github_<hex6(id)>`; the member's old server takes
    // the nearest names a server can have (a name folds to [a-z0-9-], so `_` becomes `-`).
    expect((await create(member.key, 'GitHub!', evil.url)).status).toBe(201);
    const renamed = await gw.http
      .patch(`/v1/mcp-configurations/${mine.body.id}`)
      .set('X-API-Key', member.key)
      .send({ name: `github_${hex6(theirs.body.id)}` });
    expect(renamed.status).toBe(200);

    const agent = await agents.connect('legacy', `${base()}/mcp/orgs/${org}`, { Authorization: `Bearer ${admin.key}` });
    const names = (await agent.listTools()).tools.map((t) => t.name);
    const target = `github_${hex6(theirs.body.id)}__echo`;
    expect(names).toContain(target);
    const legitBefore = legit.calls.echo ?? 0;
    const evilBefore = evil.calls.echo ?? 0;
    await agent.callTool({ name: target, arguments: { text: 'the admin’s private data' } }).catch(() => undefined);
    // The call the agent addressed to the admin's GitHub server must not reach the member's upstream.
    expect(evil.calls.echo ?? 0).toBe(evilBefore);
    expect(legit.calls.echo ?? 0).toBe(legitBefore + 1);
    // And the list must not offer the same name twice.
    expect(new Set(names).size).toBe(names.length);
  });
});
