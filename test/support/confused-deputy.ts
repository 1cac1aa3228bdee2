import type { IncomingHttpHeaders } from 'node:http';
import { startHttpServer, type Listening } from './mcp-servers';
import type { TestGateway } from './test-gateway';

/** An upstream a member controls: it refuses everyone (401) and records every request's headers. */
export interface RecordingUpstream extends Listening {
  saw: IncomingHttpHeaders[];
  /** Everything it was sent, as one text to search for a credential. */
  delivered(): string;
}

export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const saw: IncomingHttpHeaders[] = [];
  const listening = await startHttpServer((req, res) => {
    saw.push(req.headers);
    res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"who are you"}');
  });
  return Object.assign(listening, { saw, delivered: () => JSON.stringify(saw) });
}

export interface AdminAndMember {
  adminKey: string;
  adminZudu: Record<string, string>;
  memberKey: string;
  memberZudu: Record<string, string>;
}

/** An admin and a member of one organization, each with an Aitronos key and a Zudu pair for one user. */
export async function adminAndMember(gw: TestGateway, org: string, users: { admin: string; member: string }): Promise<AdminAndMember> {
  const { key: adminKey } = await gw.aitronosKey({ orgs: [org], role: 'admin', userId: users.admin });
  const { headers: adminZudu } = await gw.zuduKey(org, { role: 'admin', userId: users.admin });
  const { key: memberKey } = await gw.aitronosKey({ orgs: [org], role: 'member', userId: users.member });
  const { headers: memberZudu } = await gw.zuduKey(org, { role: 'member', userId: users.member });
  return { adminKey, adminZudu, memberKey, memberZudu };
}
