import { AITRONOS_KEY_FORMAT } from '../adapters/aitronos/aitronos.keys';
import { ZUDU_KEY_FORMAT } from '../adapters/zudu/zudu.keys';
import pino from 'pino';
import type { Principal } from '../core/model/principal';
import { parseDatabaseUrl } from '../core/store/database';
import { openGateway } from '../server/gateway';

export interface Seeded {
  organizationId: string;
  aitronosKey: string;
  zuduKey: string;
  zuduSecret: string;
  /** Ids of the big organization's servers, for get and update scenarios. */
  serverIds: string[];
  servers: number;
  /** A server of the big organization pointing at the bench's upstream MCP server (proxy scenarios). */
  proxiedServerId: string;
  /** A console session of the Aitronos key: its cookie and CSRF token, as a signed-in page holds them. */
  consoleCookie: string;
  consoleCsrf: string;
}

const WORDS = ['support', 'billing', 'search', 'crm', 'tickets', 'docs', 'analytics', 'calendar', 'mail', 'storage', 'deploy', 'weather'];

/**
 * Realistic data: one organization with `bigCount` servers and `smallOrgs` smaller ones with ten
 * each; a third of the servers carry an inline bearer token, a third point at one of fifty
 * shared secrets, some send request headers, many have tool approvals.
 */
export async function seed(databaseUrl: string, encryptionKey: Buffer, bigCount: number, smallOrgs: number, upstreamUrl: string): Promise<Seeded> {
  const gateway = await openGateway({ database: parseDatabaseUrl(databaseUrl)!, encryptionKey, logger: pino({ level: 'silent' }) });
  try {
    const organizationId = 'org_big';
    const admin = (org: string): Principal => ({ keyId: 'seed', userId: 'usr_seed', organizationIds: [org], role: 'admin' });
    for (let i = 0; i < 50; i += 1)
      await gateway.secrets.create(admin(organizationId), organizationId, { id: `secret_shared_${i}`, name: `shared ${i}`, value: `shared-value-${i}` });
    const serverIds: string[] = [];
    const create = async (org: string, i: number) => {
      const word = WORDS[i % WORDS.length]!;
      const auth =
        i % 3 === 0
          ? { type: 'bearer' as const, credentials: { token: `token-${org}-${i}` } }
          : i % 3 === 1
            ? { type: 'bearer' as const, credentials: { secretId: `secret_shared_${i % 50}` } }
            : { type: 'none' as const, credentials: {} };
      const server = await gateway.registry.create(admin(org), {
        organizationId: org,
        name: `${word} server ${i}`,
        description: `MCP server ${i} for ${word} tools`,
        url: `https://${word}${i}.example.com/mcp`,
        transport: i % 2 ? 'sse' : 'streamable_http',
        auth,
        requestHeaders: i % 4 === 0 ? { 'X-Team': `team-${i % 7}` } : {},
        approvalPolicy: i % 5 === 0 ? 'require_approval_per_tool' : 'auto_approve_all',
        toolApprovals: i % 5 === 0 ? [{ toolName: 'send', toolHash: 'a'.repeat(64), state: 'requires_approval' }] : [],
      });
      return server.id;
    };
    for (let i = 0; i < bigCount; i += 1) serverIds.push(await create(organizationId, i));
    for (let o = 0; o < smallOrgs; o += 1) for (let i = 0; i < 10; i += 1) await create(`org_small_${o}`, i);
    // As agents use a server: a stored bearer token injected, request headers, every call auto-approved.
    const proxied = await gateway.registry.create(admin(organizationId), {
      organizationId,
      name: 'bench upstream',
      url: upstreamUrl,
      transport: 'streamable_http',
      auth: { type: 'bearer', credentials: { token: 'bench-upstream-token' } },
      requestHeaders: { 'X-Team': 'bench' },
    });
    const aitronos = await gateway.apiKeys.issue({ format: AITRONOS_KEY_FORMAT, organizationIds: [organizationId], userId: 'usr_bench' });
    const zudu = await gateway.apiKeys.issue({ format: ZUDU_KEY_FORMAT, organizationIds: [organizationId] });
    const session = await gateway.consoleSessions.open([AITRONOS_KEY_FORMAT], { key: aitronos.apiKey });
    return {
      consoleCookie: `mcpgw_console=${session.token}`,
      consoleCsrf: session.csrfToken,
      organizationId,
      aitronosKey: aitronos.apiKey,
      zuduKey: zudu.apiKey,
      zuduSecret: zudu.apiSecret!,
      serverIds,
      servers: bigCount + smallOrgs * 10,
      proxiedServerId: proxied.id,
    };
  } finally {
    await gateway.close();
  }
}
