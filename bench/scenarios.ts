import type { Seeded } from './seed';

export type Target = 'gateway' | 'raw-node' | 'express' | 'direct';

export interface Scenario {
  name: string;
  /** Which baselines answer this scenario too, for the ratio columns. */
  baselines: Target[];
  /** The status a successful answer has; anything else counts as an error. */
  expect: number;
  request: (
    seeded: Seeded,
    counter: () => number,
    target: Target,
  ) => { method: 'GET' | 'POST' | 'PATCH'; path: string; headers: Record<string, string>; body?: string };
}

const json = { 'Content-Type': 'application/json' };
const pick = (seeded: Seeded, n: number) => seeded.serverIds[n % seeded.serverIds.length]!;
const aitronos = (s: Seeded) => ({ 'X-API-Key': s.aitronosKey });
const zudu = (s: Seeded) => ({ 'X-API-KEY': s.zuduKey, 'X-API-SECRET': s.zuduSecret });
const run = `${process.pid}-${Date.now().toString(36)}`;

/** The bench's scenarios, each one request shape; ids and names vary per request. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'get one (Aitronos)',
    baselines: ['raw-node', 'express'],
    expect: 200,
    request: (s, n) => ({ method: 'GET', path: `/v1/mcp-configurations/${pick(s, n())}`, headers: aitronos(s) }),
  },
  {
    name: 'get one (Zudu)',
    baselines: ['express'],
    expect: 200,
    request: (s, n) => ({ method: 'GET', path: `/api/mcp-servers/${pick(s, n())}`, headers: zudu(s) }),
  },
  { name: 'Zudu list, first page', baselines: [], expect: 200, request: (s) => ({ method: 'GET', path: '/api/mcp-servers?limit=20', headers: zudu(s) }) },
  {
    name: 'Zudu list, page 400',
    baselines: [],
    expect: 200,
    request: (s) => ({ method: 'GET', path: '/api/mcp-servers?limit=20&page=400', headers: zudu(s) }),
  },
  {
    name: 'Zudu search',
    baselines: [],
    expect: 200,
    request: (s, n) => ({
      method: 'GET',
      path: `/api/mcp-servers?search=${encodeURIComponent(['billing', 'server 42', 'docs tools', 'weather5'][n() % 4]!)}`,
      headers: zudu(s),
    }),
  },
  {
    // The operator console's servers view: a search, sorted by name, a page of 25, as the page asks.
    name: 'console servers search',
    baselines: [],
    expect: 200,
    request: (s, n) => ({
      method: 'GET',
      path: `/console/api/servers?organizationId=${s.organizationId}&sort=name&limit=25&search=${encodeURIComponent(['billing', 'server 42', 'docs tools', 'weather5'][n() % 4]!)}`,
      headers: { Cookie: s.consoleCookie, 'X-CSRF-Token': s.consoleCsrf },
    }),
  },
  {
    name: 'Aitronos list, limit 100',
    baselines: [],
    expect: 200,
    request: (s) => ({ method: 'GET', path: `/v1/mcp-configurations?organization_id=${s.organizationId}&limit=100`, headers: aitronos(s) }),
  },
  {
    name: 'create (Aitronos)',
    baselines: ['raw-node', 'express'],
    expect: 201,
    request: (s, n) => ({
      method: 'POST',
      path: '/v1/mcp-configurations',
      headers: { ...aitronos(s), ...json },
      body: JSON.stringify({
        name: `bench a ${run} ${n()}`,
        organization_id: s.organizationId,
        server_url: 'https://bench.example.com/mcp',
        transport_type: 'sse',
        auth_type: 'none',
      }),
    }),
  },
  {
    name: 'create (Zudu)',
    baselines: ['express'],
    expect: 200,
    request: (s, n) => ({
      method: 'POST',
      path: '/api/mcp-servers',
      headers: { ...zudu(s), ...json },
      body: JSON.stringify({ config: { name: `bench z ${run} ${n()}`, url: 'https://bench.example.com/mcp', transport: 'SSE' } }),
    }),
  },
  {
    name: 'update (Zudu PATCH)',
    baselines: [],
    expect: 200,
    request: (s, n) => {
      const i = n();
      return {
        method: 'PATCH',
        path: `/api/mcp-servers/${pick(s, i)}`,
        headers: { ...zudu(s), ...json },
        body: JSON.stringify({ description: `updated ${i}` }),
      };
    },
  },
  {
    // A 2025-era request (the stateless shape both servers serve without a session), through the
    // gateway's MCP endpoint (key check, policy, credential injection, scrubbing) and straight to the
    // upstream; `direct` is the upstream itself.
    name: 'tools/call (2025 request)',
    baselines: ['direct'],
    expect: 200,
    request: (s, n, target) => ({
      method: 'POST',
      path: target === 'direct' ? '/mcp' : `/mcp/${s.proxiedServerId}`,
      headers: {
        ...json,
        Accept: 'application/json, text/event-stream',
        'MCP-Protocol-Version': '2025-06-18',
        ...(target === 'direct' ? {} : { Authorization: `Bearer ${s.aitronosKey}` }),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: n(), method: 'tools/call', params: { name: 'echo', arguments: { text: 'ping' } } }),
    }),
  },
  {
    name: 'auth failure storm',
    baselines: [],
    expect: 401,
    request: (s, n) => ({ method: 'GET', path: `/v1/mcp-configurations?organization_id=${s.organizationId}`, headers: { 'X-API-Key': `ak_wrong_${n()}` } }),
  },
];
