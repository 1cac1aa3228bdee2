import { connectAgent, type Agent, type AgentEra } from './mcp-clients';
import type { TestGateway } from './test-gateway';

/** The gateway's address with a path, for clients that need a URL rather than supertest. */
export const gatewayUrl = (gw: TestGateway, path = ''): string => `http://127.0.0.1:${(gw.server.address() as { port: number }).port}${path}`;

/** Creates a server through the Aitronos API (Streamable HTTP, no auth unless `body` says) and answers its id. */
export async function createViaAitronos(gw: TestGateway, key: string, org: string, url: string, body: Record<string, unknown> = {}): Promise<string> {
  const created = await gw.http
    .post('/v1/mcp-configurations')
    .set('X-API-Key', key)
    .send({
      organization_id: org,
      name: `server-${Math.random().toString(36).slice(2)}`,
      server_url: url,
      transport_type: 'streamable_http',
      auth_type: 'none',
      ...body,
    });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

/** Agents a test file connects, all closed in its afterAll. */
export function agentSet() {
  const agents: Agent[] = [];
  return {
    async connect(era: AgentEra, url: string, headers: Record<string, string>): Promise<Agent> {
      const agent = await connectAgent(era, url, headers);
      agents.push(agent);
      return agent;
    },
    closeAll: () => Promise.all(agents.map((a) => a.close().catch(() => undefined))),
  };
}
