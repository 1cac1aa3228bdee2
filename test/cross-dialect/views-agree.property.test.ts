import fc from 'fast-check';
import { startTestGateway, type TestGateway } from '../support/test-gateway';

/**
 * Random sequences of writes through both dialects, checked against a model of the record:
 * after each sequence, both views of every server agree with the model (and so with each
 * other) on every field, including those only one dialect can express.
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

const NAMES = ['Alpha', 'alpha ', 'Beta', 'Gamma', 'Δelta', 'Zeta tools'];
const URLS = ['https://a.example.com/mcp', 'http://b.example.com/sse', 'https://c.example.com/v1/mcp'];
const HEADERS = ['X-Team', 'Authorization', 'X-Trace'];
const TOOLS = ['search', 'refund', 'lookup'];
const POLICIES = ['auto_approve_all', 'require_approval_all', 'require_approval_per_tool'] as const;

type Transport = 'sse' | 'streamable_http';
interface Model {
  id: string;
  name: string;
  url: string;
  transport: Transport;
  description: string;
  approvalPolicy: string;
  approvals: Record<string, string>;
  headers: string[];
  enabled: boolean;
  allowedTools: string[] | null;
  isActive: boolean;
  authType: 'none' | 'bearer_token' | 'api_key';
  secretRef: string | null | 'managed';
  createdAt: number;
}

const target = fc.nat(7);
const transport = fc.constantFrom<Transport>('sse', 'streamable_http');
const headerSet = fc.subarray(HEADERS).map((names) => Object.fromEntries(names.map((n) => [n, `value-of-${n}`])));
const toolConfig = fc.record({ enabled: fc.boolean(), allowed_tools: fc.option(fc.subarray(TOOLS, { minLength: 1 }), { nil: null }) }, { requiredKeys: [] });

const op = fc.oneof(
  fc.record({
    kind: fc.constant('createA' as const),
    name: fc.constantFrom(...NAMES),
    url: fc.constantFrom(...URLS),
    transport,
    auth: fc.constantFrom('none', 'bearer_token', 'api_key'),
    tools: fc.option(toolConfig, { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('createZ' as const),
    name: fc.constantFrom(...NAMES),
    url: fc.constantFrom(...URLS),
    transport: fc.option(transport, { nil: undefined }),
    description: fc.option(fc.constantFrom('', 'Support tools', 'Ünïcode ✓'), { nil: undefined }),
    policy: fc.option(fc.constantFrom(...POLICIES), { nil: undefined }),
    headers: fc.option(headerSet, { nil: undefined }),
    secret: fc.option(fc.constantFrom('secret_a', 'secret_b'), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('updateA' as const),
    target,
    name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
    url: fc.option(fc.constantFrom(...URLS), { nil: undefined }),
    active: fc.option(fc.boolean(), { nil: undefined }),
    tools: fc.option(toolConfig, { nil: undefined }),
    method: fc.constantFrom('put', 'patch'),
  }),
  fc.record({
    kind: fc.constant('updateZ' as const),
    target,
    name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
    url: fc.option(fc.constantFrom(...URLS), { nil: undefined }),
    transport: fc.option(transport, { nil: undefined }),
    description: fc.option(fc.constantFrom('', 'Changed', 'Ωmega'), { nil: undefined }),
    headers: fc.option(headerSet, { nil: undefined }),
    secret: fc.option(fc.constantFrom('secret_c', null), { nil: undefined }),
    wrapped: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('policyZ' as const), target, policy: fc.constantFrom(...POLICIES) }),
  fc.record({ kind: fc.constant('approveZ' as const), target, tool: fc.constantFrom(...TOOLS), state: fc.constantFrom('auto_approved', 'requires_approval') }),
  fc.record({ kind: fc.constant('unapproveZ' as const), target, tool: fc.constantFrom(...TOOLS) }),
  fc.record({ kind: fc.constant('delete' as const), target, via: fc.constantFrom('aitronos', 'zudu') }),
);

let gw: TestGateway;
let run = 0;
beforeAll(async () => (gw = await startTestGateway()));
afterAll(() => gw.close());

const fold = (name: string) => name.normalize('NFKC').trim().toLowerCase();
const ZT = { sse: 'SSE', streamable_http: 'STREAMABLE_HTTP' } as const;

describe('both dialects are views of one record', () => {
  it('agree on every field after any sequence of writes through either', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 7 }), async (ops) => {
        run += 1;
        const org = `org_prop_${run}`;
        const { key } = await gw.aitronosKey({ orgs: [org] });
        const { headers: zudu } = await gw.zuduKey(org);
        const a = () => ({ 'X-API-Key': key });
        const servers: Model[] = [];
        const live = () => servers.filter((s) => s.id !== '');
        const pick = (i: number) => (live().length ? live()[i % live().length] : undefined);
        const nameTaken = (name: string, except?: Model) => live().some((s) => s !== except && fold(s.name) === fold(name));

        for (const o of ops) {
          if (o.kind === 'createA') {
            const credentials = o.auth === 'bearer_token' ? { token: 'tok' } : o.auth === 'api_key' ? { api_key: 'k' } : undefined;
            const res = await gw.http.post('/v1/mcp-configurations').set(a()).send({
              name: o.name,
              organization_id: org,
              server_url: o.url,
              transport_type: o.transport,
              auth_type: o.auth,
              credentials,
              tool_configuration: o.tools,
            });
            if (nameTaken(o.name)) {
              expect(res.status).toBe(409);
              continue;
            }
            expect(res.status).toBe(201);
            servers.push({
              id: res.body.id,
              name: o.name.trim(),
              url: o.url,
              transport: o.transport,
              description: '',
              approvalPolicy: 'auto_approve_all',
              approvals: {},
              headers: [],
              enabled: o.tools?.enabled ?? true,
              allowedTools: o.tools?.allowed_tools ?? null,
              isActive: true,
              authType: o.auth as Model['authType'],
              secretRef: o.auth === 'bearer_token' ? 'managed' : null,
              createdAt: Date.parse(res.body.createdAt),
            });
          } else if (o.kind === 'createZ') {
            const config = {
              name: o.name,
              url: o.url,
              transport: o.transport && ZT[o.transport],
              description: o.description,
              approval_policy: o.policy,
              request_headers: o.headers,
              secret_token: o.secret ? { secret_id: o.secret } : undefined,
            };
            const res = await gw.http.post('/api/mcp-servers').set(zudu).send({ config });
            if (nameTaken(o.name)) {
              expect(res.status).toBe(409);
              continue;
            }
            expect(res.status).toBe(200);
            servers.push({
              id: res.body.data.id,
              name: o.name.trim(),
              url: o.url,
              transport: o.transport ?? 'sse',
              description: o.description ?? '',
              approvalPolicy: o.policy ?? 'auto_approve_all',
              approvals: {},
              headers: Object.keys(o.headers ?? {}),
              enabled: true,
              allowedTools: null,
              isActive: true,
              authType: o.secret ? 'bearer_token' : 'none',
              secretRef: o.secret ?? null,
              createdAt: res.body.data.created_at,
            });
          } else {
            const s = pick(o.target);
            if (!s) continue;
            if (o.kind === 'updateA') {
              const body = { name: o.name, server_url: o.url, is_active: o.active, tool_configuration: o.tools };
              const res = await gw.http[o.method](`/v1/mcp-configurations/${s.id}`).set(a()).send(body);
              if (o.name !== undefined && nameTaken(o.name, s)) {
                expect(res.status).toBe(409);
                continue;
              }
              expect(res.status).toBe(200);
              if (o.name !== undefined) s.name = o.name.trim();
              if (o.url !== undefined) s.url = o.url;
              if (o.active !== undefined) s.isActive = o.active;
              if (o.tools?.enabled !== undefined) s.enabled = o.tools.enabled;
              if (o.tools && 'allowed_tools' in o.tools) s.allowedTools = o.tools.allowed_tools ?? null;
            } else if (o.kind === 'updateZ') {
              const fields = {
                name: o.name,
                url: o.url,
                transport: o.transport && ZT[o.transport],
                description: o.description,
                request_headers: o.headers,
                secret_token: o.secret === undefined ? undefined : o.secret && { secret_id: o.secret },
              };
              const res = await gw.http
                .patch(`/api/mcp-servers/${s.id}`)
                .set(zudu)
                .send(o.wrapped ? { config: fields } : fields);
              if (o.name !== undefined && nameTaken(o.name, s)) {
                expect(res.status).toBe(409);
                continue;
              }
              expect(res.status).toBe(200);
              if (o.name !== undefined) s.name = o.name.trim();
              if (o.url !== undefined) s.url = o.url;
              if (o.transport !== undefined) s.transport = o.transport;
              if (o.description !== undefined) s.description = o.description;
              if (o.headers !== undefined) s.headers = Object.keys(o.headers);
              if (o.secret === null && s.authType === 'bearer_token') Object.assign(s, { authType: 'none', secretRef: null });
              if (o.secret) Object.assign(s, { authType: 'bearer_token', secretRef: o.secret });
            } else if (o.kind === 'policyZ') {
              expect((await gw.http.patch(`/api/mcp-servers/${s.id}/approval-policy`).set(zudu).send({ approval_policy: o.policy })).status).toBe(200);
              s.approvalPolicy = o.policy;
            } else if (o.kind === 'approveZ') {
              expect(
                (await gw.http.post(`/api/mcp-servers/${s.id}/tool-approvals`).set(zudu).send({ tool_name: o.tool, approval_policy: o.state })).status,
              ).toBe(200);
              s.approvals[o.tool] = o.state;
            } else if (o.kind === 'unapproveZ') {
              const res = await gw.http.delete(`/api/mcp-servers/${s.id}/tool-approvals/${o.tool}`).set(zudu);
              expect(res.status).toBe(o.tool in s.approvals ? 200 : 404);
              delete s.approvals[o.tool];
            } else {
              const res =
                o.via === 'aitronos'
                  ? await gw.http.delete(`/v1/mcp-configurations/${s.id}`).set(a())
                  : await gw.http.delete(`/api/mcp-servers/${s.id}`).set(zudu);
              expect(res.status).toBe(o.via === 'aitronos' ? 204 : 200);
              s.id = '';
            }
          }
        }

        const aList = await gw.http.get('/v1/mcp-configurations').query({ organization_id: org }).set(a());
        const zList = await gw.http.get('/api/mcp-servers').query({ limit: 100 }).set(zudu);
        expect(aList.body.total).toBe(live().length);
        expect(zList.body.data.total_count).toBe(live().length);
        for (const s of live()) {
          const av = aList.body.configurations.find((c: any) => c.id === s.id);
          const zv = (await gw.http.get(`/api/mcp-servers/${s.id}`).set(zudu)).body.data;
          expect(av).toMatchObject({
            name: s.name,
            serverUrl: s.url,
            transportType: s.transport,
            authType: s.authType,
            isActive: s.isActive,
            toolConfiguration: { enabled: s.enabled, allowedTools: s.allowedTools },
            createdAt: new Date(s.createdAt).toISOString(),
          });
          expect(zv).toMatchObject({
            server_name: s.name,
            server_url: s.url,
            transport: ZT[s.transport],
            description: s.description,
            approval_policy: s.approvalPolicy,
            created_at: s.createdAt,
            updated_at: Date.parse(av.updatedAt),
          });
          expect(Object.keys(zv.request_headers).sort()).toEqual([...s.headers].sort());
          expect(Object.fromEntries(zv.tool_approval_hashes.map((t: any) => [t.tool_name, t.approval_policy]))).toEqual(s.approvals);
          if (s.secretRef === 'managed') expect(zv.secret_token_id).toMatch(/^secret_[0-9a-f]{32}$/);
          else expect(zv.secret_token_id).toBe(s.secretRef);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
