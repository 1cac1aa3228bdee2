import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startModernServer, type ModernServer } from '../support/modern-mcp-server';
import { gatewayUrl } from '../support/mcp-endpoint';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

let gw: TestGateway;
let up: ModernServer;
const closers: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  gw = await startTestGateway({ allowedHosts: '127.0.0.1', approvals: { ttlMs: 60_000 } });
  up = await startModernServer({ legacy: 'stateless' });
});
afterAll(async () => {
  for (const close of closers) await close().catch(() => undefined);
  await up.close();
  await gw.close();
});

type Era = 'legacy' | 'modern';
type Answer = (params: Record<string, unknown>) => Promise<Record<string, unknown>>;

/**
 * An organization with a server under `policy`, created by its owner (a Zudu admin), an agent's
 * key (Aitronos, another user) and an Aitronos admin who decides.
 */
async function setting(policy: string, org = `org-apr-${Math.random().toString(36).slice(2, 8)}`) {
  const owner = await gw.zuduKey(org);
  const created = await gw.http
    .post('/api/mcp-servers')
    .set(owner.headers)
    .send({ config: { url: up.url, name: `apr-${Math.random().toString(36).slice(2)}`, transport: 'STREAMABLE_HTTP', approval_policy: policy } });
  expect(created.status).toBe(200);
  const caller = await gw.aitronosKey({ orgs: [org], role: 'member' });
  const admin = await gw.aitronosKey({ orgs: [org] });
  return { org, id: created.body.data.id as string, owner, caller, admin };
}

/** An SDK client of either line on the server's endpoint; with `answer`, it declares elicitation and answers with it. */
async function agent(era: Era, id: string, key: string, answer?: Answer) {
  const url = new URL(gatewayUrl(gw, `/mcp/${id}`));
  const requestInit = { headers: { Authorization: `Bearer ${key}` } };
  if (era === 'modern') {
    const client = new ModernClient(
      { name: 'approval-agent', version: '2' },
      { versionNegotiation: { mode: 'auto' }, capabilities: answer ? { elicitation: { form: {}, url: {} } } : {} },
    );
    if (answer) client.setRequestHandler('elicitation/create', (async (request: { params: Record<string, unknown> }) => answer(request.params)) as never);
    await client.connect(new ModernTransport(url, { requestInit }));
    closers.push(() => client.close());
    return { call: (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<Record<string, unknown>> };
  }
  const client = new LegacyClient({ name: 'approval-agent', version: '1' }, { capabilities: answer ? { elicitation: { form: {}, url: {} } } : {} });
  if (answer) client.setRequestHandler(ElicitRequestSchema, async (request) => (await answer(request.params)) as never);
  await client.connect(new LegacyTransport(url, { requestInit }));
  closers.push(() => client.close());
  return { call: (name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<Record<string, unknown>> };
}

/** The JSON-RPC error a call ends with. */
const refusal = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('expected the call to be refused');
    },
    (error: { code: number; message: string; data?: Record<string, unknown> }) => error,
  );

const approve = (key: string, id: string, always = false) =>
  gw.http
    .post(`/v1/approval-requests/${id}/approve`)
    .set('X-API-Key', key)
    .send(always ? { approve_always: true } : {});

describe.each(['legacy', 'modern'] as const)('human approval of held calls, for a %s-era agent that cannot answer an elicitation', (era) => {
  it('holds the call as a request (error with its id and where to decide), passes the identical retry once approved, and uses a decision once', async () => {
    const s = await setting('require_approval_all');
    const client = await agent(era, s.id, s.caller.key);
    const before = up.calls.add ?? 0;
    const held = await refusal(client.call('add', { a: 2, b: 3 }));
    expect(held).toMatchObject({ code: -32030, data: { rule: 'approval_required', status: 'pending', tool: 'add', server: s.id } });
    const requestId = held.data!.approvalRequestId as string;
    expect(requestId).toMatch(/^apr_/);
    expect(held.data!.decideAt).toEqual({
      aitronos: gatewayUrl(gw, `/v1/approval-requests/${requestId}`),
      zudu: gatewayUrl(gw, `/api/approval-requests/${requestId}`),
    });
    expect(up.calls.add ?? 0).toBe(before);

    // The decider sees the call as it was made, arguments included.
    const seen = await gw.http.get(`/v1/approval-requests/${requestId}`).set('X-API-Key', s.admin.key);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id: requestId, serverId: s.id, tool: 'add', arguments: { a: 2, b: 3 }, status: 'pending', callerKeyId: s.caller.id });
    // Held again while undecided: the same request, not a new one.
    expect((await refusal(client.call('add', { b: 3, a: 2 }))).data!.approvalRequestId).toBe(requestId);

    expect((await approve(s.admin.key, requestId)).body).toMatchObject({ status: 'approved', decidedByKeyId: s.admin.id });
    expect(await client.call('add', { a: 2, b: 3 })).toMatchObject({ structuredContent: { sum: 5 } });
    expect(up.calls.add).toBe(before + 1);
    // Used: the same call again asks again.
    const again = await refusal(client.call('add', { a: 2, b: 3 }));
    expect(again.data!.approvalRequestId).not.toBe(requestId);
    expect((await gw.http.get(`/v1/approval-requests/${requestId}`).set('X-API-Key', s.admin.key)).body.status).toBe('used');
  });

  it('fails the retry of a denied call with the reason, and needs a new decision for other arguments', async () => {
    const s = await setting('require_approval_all');
    const client = await agent(era, s.id, s.caller.key);
    const held = await refusal(client.call('echo', { text: 'drop table' }));
    const id = held.data!.approvalRequestId as string;
    const denied = await gw.http.post(`/api/approval-requests/${id}/deny`).set(s.owner.headers).send({ reason: 'not on production' });
    expect(denied.body).toMatchObject({ status: 'success', data: { id, status: 'denied', reason: 'not on production' } });
    const retried = await refusal(client.call('echo', { text: 'drop table' }));
    expect(retried).toMatchObject({ code: -32030, data: { rule: 'approval_denied', approvalRequestId: id, reason: 'not on production' } });
    expect(retried.message).toContain('not on production');
    const other = await refusal(client.call('echo', { text: 'select 1' }));
    expect(other.data).toMatchObject({ rule: 'approval_required', status: 'pending' });
    expect(other.data!.approvalRequestId).not.toBe(id);
  });

  it('needs a new decision once the tool’s definition changes, and approve_always lets the next calls pass until it changes', async () => {
    const s = await setting('require_approval_per_tool');
    const client = await agent(era, s.id, s.caller.key);
    const first = await refusal(client.call('echo', { text: 'one' }));
    const firstId = first.data!.approvalRequestId as string;
    expect((await approve(s.admin.key, firstId)).status).toBe(200);
    up.describe('echo', `Echo the text back (${era} revision ${Math.random()})`);
    const changed = await refusal(client.call('echo', { text: 'one' }));
    expect(changed.data!.approvalRequestId).not.toBe(firstId);
    // Approve always: this call, and the tool at its current definition from now on.
    expect((await approve(s.admin.key, changed.data!.approvalRequestId as string, true)).body).toMatchObject({ status: 'approved', approveAlways: true });
    expect(await client.call('echo', { text: 'one' })).toMatchObject({ content: [{ text: 'one' }] });
    expect(await client.call('echo', { text: 'two, never asked' })).toMatchObject({ content: [{ text: 'two, never asked' }] });
    const approvals = await gw.http.get(`/api/mcp-servers/${s.id}`).set(s.owner.headers);
    expect(approvals.body.data.tool_approval_hashes).toEqual(
      expect.arrayContaining([expect.objectContaining({ tool_name: 'echo', approval_policy: 'auto_approved' })]),
    );
    up.describe('echo', 'Echo the text back');
  });
});

describe('who decides', () => {
  it('lets admins and the server’s owner decide; a member who does not own it meets 404, and a key never decides its own call', async () => {
    const s = await setting('require_approval_all');
    const member = await gw.aitronosKey({ orgs: [s.org], role: 'member' });
    const client = await agent('legacy', s.id, s.caller.key);
    const id = (await refusal(client.call('echo', { text: 'x' }))).data!.approvalRequestId as string;
    expect((await gw.http.get(`/v1/approval-requests/${id}`).set('X-API-Key', member.key)).status).toBe(404);
    expect((await approve(member.key, id)).status).toBe(404);
    const listed = await gw.http.get('/v1/approval-requests').query({ organization_id: s.org }).set('X-API-Key', member.key);
    expect(listed.body).toEqual({ approvalRequests: [], total: 0 });
    // The caller is a member with no server of its own here: it cannot even see it.
    expect((await approve(s.caller.key, id)).status).toBe(404);
    // An admin's own call: seen, but not decided by the same key.
    const adminClient = await agent('legacy', s.id, s.admin.key);
    const own = (await refusal(adminClient.call('echo', { text: 'mine' }))).data!.approvalRequestId as string;
    const self = await approve(s.admin.key, own);
    expect(self.status).toBe(403);
    expect(self.body.error.system_message ?? self.body.error.message).toBeDefined();
    expect(JSON.stringify(self.body)).toContain('its own call');
    // The owner (Zudu) decides; a second decision is refused.
    expect((await gw.http.post(`/api/approval-requests/${id}/approve`).set(s.owner.headers).send({})).body.data.status).toBe('approved');
    const twice = await gw.http.post(`/api/approval-requests/${id}/deny`).set(s.owner.headers).send({ reason: 'late' });
    expect(twice.status).toBe(409);
    expect(twice.body).toMatchObject({ status: 'error', message: 'Approval request already decided' });
  });

  it('lets a member decide on requests for a server it owns', async () => {
    const org = 'org-apr-member-owner';
    const memberOwner = await gw.zuduKey(org, { role: 'member' });
    const created = await gw.http
      .post('/api/mcp-servers')
      .set(memberOwner.headers)
      .send({ config: { url: up.url, name: 'owned', transport: 'STREAMABLE_HTTP', approval_policy: 'require_approval_all' } });
    const caller = await gw.aitronosKey({ orgs: [org], role: 'member' });
    const client = await agent('legacy', created.body.data.id, caller.key);
    const id = (await refusal(client.call('echo', { text: 'owned' }))).data!.approvalRequestId as string;
    const listed = await gw.http.get('/api/approval-requests').set(memberOwner.headers);
    expect(listed.body.data.approval_requests.map((r: { id: string }) => r.id)).toEqual([id]);
    expect((await gw.http.post(`/api/approval-requests/${id}/approve`).set(memberOwner.headers).send({})).body.data.status).toBe('approved');
    expect(await client.call('echo', { text: 'owned' })).toMatchObject({ content: [{ text: 'owned' }] });
  });

  it('opens one request for identical calls arriving at once', async () => {
    const s = await setting('require_approval_all');
    const clients = await Promise.all(Array.from({ length: 4 }, () => agent('legacy', s.id, s.caller.key)));
    const held = await Promise.all(clients.flatMap((c) => [c, c].map((x) => refusal(x.call('echo', { text: 'same' })))));
    expect(new Set(held.map((h) => h.data!.approvalRequestId)).size).toBe(1);
  });

  it('answers malformed decisions and lookups with a 4xx, never a 500', async () => {
    const s = await setting('require_approval_all');
    expect((await gw.http.get('/v1/approval-requests/apr_%00').set('X-API-Key', s.admin.key)).status).toBe(404);
    expect((await gw.http.get('/v1/approval-requests').query({ organization_id: s.org, server_id: 'x\u0000' }).set('X-API-Key', s.admin.key)).body).toEqual({
      approvalRequests: [],
      total: 0,
    });
    const client = await agent('legacy', s.id, s.caller.key);
    const id = (await refusal(client.call('echo', { text: 'r' }))).data!.approvalRequestId as string;
    expect((await gw.http.post(`/v1/approval-requests/${id}/deny`).set('X-API-Key', s.admin.key).send({ reason: '   ' })).status).toBe(422);
    expect((await gw.http.post(`/api/approval-requests/${id}/deny`).set(s.owner.headers).send({ reason: '' })).status).toBe(400);
    expect((await gw.http.post(`/v1/approval-requests/${id}/approve`).set('X-API-Key', s.admin.key).send({ approve_always: 'yes' })).status).toBe(422);
  });

  it('lists an organization’s requests by server and status in both dialects', async () => {
    const s = await setting('require_approval_all');
    const client = await agent('legacy', s.id, s.caller.key);
    const a = (await refusal(client.call('echo', { text: 'a' }))).data!.approvalRequestId as string;
    const b = (await refusal(client.call('echo', { text: 'b' }))).data!.approvalRequestId as string;
    await approve(s.admin.key, a);
    const pending = await gw.http
      .get('/v1/approval-requests')
      .query({ organization_id: s.org, status: 'pending', server_id: s.id })
      .set('X-API-Key', s.admin.key);
    expect(pending.body.approvalRequests.map((r: { id: string }) => r.id)).toEqual([b]);
    const page = await gw.http.get('/api/approval-requests').query({ status: 'approved', limit: 10 }).set(s.owner.headers);
    expect(page.body.data).toMatchObject({ total_count: 1, page: 0, limit: 10, has_next: false });
    expect(page.body.data.approval_requests[0]).toMatchObject({ id: a, tool_name: 'echo', arguments: { text: 'a' }, requested_at: expect.any(Number) });
  });
});

describe('settings', () => {
  it('links to MCP_GATEWAY_PUBLIC_URL, and with MCP_GATEWAY_APPROVAL_ALLOW_SELF a key may decide on its own call', async () => {
    const lenient = await startTestGateway({ allowedHosts: '127.0.0.1', publicUrl: 'https://gateway.example.com', approvals: { allowSelfDecision: true } });
    try {
      const org = 'org-apr-settings';
      const owner = await lenient.zuduKey(org);
      const created = await lenient.http
        .post('/api/mcp-servers')
        .set(owner.headers)
        .send({ config: { url: up.url, name: 'lenient', transport: 'STREAMABLE_HTTP', approval_policy: 'require_approval_all' } });
      const caller = await lenient.aitronosKey({ orgs: [org] });
      const client = new LegacyClient({ name: 'x', version: '1' });
      await client.connect(
        new LegacyTransport(new URL(gatewayUrl(lenient, `/mcp/${created.body.data.id}`)), {
          requestInit: { headers: { Authorization: `Bearer ${caller.key}` } },
        }),
      );
      closers.push(() => client.close());
      const held = await refusal(client.callTool({ name: 'echo', arguments: { text: 'self' } }));
      const id = held.data!.approvalRequestId as string;
      expect(held.data!.decideAt).toEqual({
        aitronos: `https://gateway.example.com/v1/approval-requests/${id}`,
        zudu: `https://gateway.example.com/api/approval-requests/${id}`,
      });
      const self = await lenient.http.post(`/v1/approval-requests/${id}/approve`).set('X-API-Key', caller.key).send({});
      expect(self.status).toBe(200);
      expect(await client.callTool({ name: 'echo', arguments: { text: 'self' } })).toMatchObject({ content: [{ text: 'self' }] });
    } finally {
      await lenient.close();
    }
  });
});

describe('expiry', () => {
  it('fails the retry of a request left undecided past MCP_GATEWAY_APPROVAL_TTL_MS, then asks anew', async () => {
    const short = await startTestGateway({ allowedHosts: '127.0.0.1', approvals: { ttlMs: 1000 } });
    try {
      const org = 'org-expiry';
      const owner = await short.zuduKey(org);
      const created = await short.http
        .post('/api/mcp-servers')
        .set(owner.headers)
        .send({ config: { url: up.url, name: 'expiring', transport: 'STREAMABLE_HTTP', approval_policy: 'require_approval_all' } });
      const caller = await short.aitronosKey({ orgs: [org] });
      const client = new LegacyClient({ name: 'x', version: '1' });
      await client.connect(
        new LegacyTransport(new URL(gatewayUrl(short, `/mcp/${created.body.data.id}`)), {
          requestInit: { headers: { Authorization: `Bearer ${caller.key}` } },
        }),
      );
      closers.push(() => client.close());
      const call = () => refusal(client.callTool({ name: 'echo', arguments: { text: 'late' } }));
      const id = (await call()).data!.approvalRequestId;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await call()).toMatchObject({ code: -32030, data: { rule: 'approval_expired', approvalRequestId: id } });
      const fresh = await call();
      expect(fresh.data).toMatchObject({ rule: 'approval_required', status: 'pending' });
      expect(fresh.data!.approvalRequestId).not.toBe(id);
      // A late decision on the expired request is refused.
      const admin = await short.aitronosKey({ orgs: [org] });
      const late = await short.http.post(`/v1/approval-requests/${id}/approve`).set('X-API-Key', admin.key).send({});
      expect(late.status).toBe(409);
      expect(late.body.error.code).toBe('APPROVAL_NOT_PENDING');
    } finally {
      await short.close();
    }
  });
});

describe('agents that wait for the decision', () => {
  it('2025-era, with elicitation: asks the agent (URL mode, pointing at the decision) and continues the same call once approved', async () => {
    const s = await setting('require_approval_all');
    const asked: Array<Record<string, unknown>> = [];
    const client = await agent('legacy', s.id, s.caller.key, async (params) => {
      asked.push(params);
      // The person decides while the agent waits, then says so.
      expect((await approve(s.admin.key, String(params.elicitationId))).status).toBe(200);
      return { action: 'accept' };
    });
    expect(await client.call('add', { a: 40, b: 2 })).toMatchObject({ structuredContent: { sum: 42 } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ mode: 'url', url: gatewayUrl(gw, `/v1/approval-requests/${asked[0]!.elicitationId}`) });
    expect(String(asked[0]!.message)).toContain('needs a person');
  });

  it('2025-era, with form-mode elicitation only: the form names the request and where to decide, and the call continues once approved', async () => {
    const s = await setting('require_approval_all');
    const client = new LegacyClient({ name: 'form-agent', version: '1' }, { capabilities: { elicitation: {} } });
    const asked: Array<Record<string, unknown>> = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      asked.push(request.params);
      const id = /\(request (apr_[0-9a-f]+)/.exec(String(request.params.message))![1]!;
      expect((await approve(s.admin.key, id)).status).toBe(200);
      return { action: 'accept', content: {} };
    });
    await client.connect(
      new LegacyTransport(new URL(gatewayUrl(gw, `/mcp/${s.id}`)), { requestInit: { headers: { Authorization: `Bearer ${s.caller.key}` } } }),
    );
    closers.push(() => client.close());
    expect(await client.callTool({ name: 'add', arguments: { a: 5, b: 5 } })).toMatchObject({ structuredContent: { sum: 10 } });
    expect(asked[0]).toMatchObject({ requestedSchema: { type: 'object', properties: {} } });
    expect(asked[0]!.mode).toBeUndefined();
    expect(String(asked[0]!.message)).toContain(gatewayUrl(gw, '/v1/approval-requests/apr_'));
  });

  it('2025-era, with elicitation: ends the call held when the agent’s user declines to wait', async () => {
    const s = await setting('require_approval_all');
    const client = await agent('legacy', s.id, s.caller.key, async () => ({ action: 'decline' }));
    expect(await refusal(client.call('add', { a: 1, b: 1 }))).toMatchObject({ code: -32030, data: { rule: 'approval_required', status: 'pending' } });
  });

  it('2025-era, with elicitation: ends the call denied when the person denies it while the agent waits', async () => {
    const s = await setting('require_approval_all');
    const client = await agent('legacy', s.id, s.caller.key, async (params) => {
      await gw.http.post(`/v1/approval-requests/${params.elicitationId}/deny`).set('X-API-Key', s.admin.key).send({ reason: 'no' });
      return { action: 'accept' };
    });
    expect(await refusal(client.call('add', { a: 1, b: 1 }))).toMatchObject({ code: -32030, data: { rule: 'approval_denied', reason: 'no' } });
  });

  it('2026-07-28, with elicitation: an input_required round names the request; the SDK’s retry passes once approved', async () => {
    const s = await setting('require_approval_all');
    const asked: Array<Record<string, unknown>> = [];
    const before = up.calls.add ?? 0;
    const client = await agent('modern', s.id, s.caller.key, async (params) => {
      asked.push(params);
      const id = /approval request (apr_[0-9a-f]+)/.exec(String(params.message))![1]!;
      expect((await approve(s.admin.key, id)).status).toBe(200);
      return { action: 'accept' };
    });
    expect(await client.call('add', { a: 20, b: 22 })).toMatchObject({ structuredContent: { sum: 42 } });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ mode: 'url' });
    expect(String(asked[0]!.url)).toMatch(/\/v1\/approval-requests\/apr_/);
    expect(up.calls.add).toBe(before + 1);
  });

  it('2026-07-28: an approved call whose upstream asks its own question continues with the answer, without asking for approval again', async () => {
    const s = await setting('require_approval_all');
    const before = up.calls.confirm ?? 0;
    let approvals = 0;
    const client = await agent('modern', s.id, s.caller.key, async (params) => {
      const held = /approval request (apr_[0-9a-f]+)/.exec(String(params.message));
      if (!held) return { action: 'accept', content: { ok: true } };
      approvals += 1;
      expect((await approve(s.admin.key, held[1]!)).status).toBe(200);
      return { action: 'accept' };
    });
    const result = await client.call('confirm', {});
    expect(result).toMatchObject({ content: [{ text: 'answered accept {"ok":true} with state state-from-upstream' }] });
    expect(approvals).toBe(1);
    expect((up.calls.confirm ?? 0) - before).toBe(2);
  });

  it('never lets a key decide on a call of its own user, even through another key', async () => {
    const s = await setting('require_approval_all');
    const sameUser = await gw.aitronosKey({ orgs: [s.org], userId: s.caller.userId! });
    const client = await agent('legacy', s.id, s.caller.key);
    const id = (await refusal(client.call('echo', { text: 'mine' }))).data!.approvalRequestId as string;
    const self = await approve(sameUser.key, id);
    expect(self.status).toBe(403);
    expect(self.body.error.system_message).toContain('own call');
  });

  it('2026-07-28, with elicitation: the retry fails clearly once the request is denied', async () => {
    const s = await setting('require_approval_all');
    const client = await agent('modern', s.id, s.caller.key, async (params) => {
      const id = /approval request (apr_[0-9a-f]+)/.exec(String(params.message))![1]!;
      await gw.http.post(`/v1/approval-requests/${id}/deny`).set('X-API-Key', s.admin.key).send({ reason: 'outside business hours' });
      return { action: 'accept' };
    });
    const denied = await refusal(client.call('add', { a: 1, b: 2 }));
    expect(denied).toMatchObject({ code: -32030, data: { rule: 'approval_denied', reason: 'outside business hours' } });
  });
});
