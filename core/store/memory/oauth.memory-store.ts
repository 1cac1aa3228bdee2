import { type ClientRegistration, type ConsentFlow, type GrantSubject, type OAuthGrant, subjectKey } from '../../model/oauth';
import type { OAuthRepository } from '../../ports';
import type { TableAccess } from './memory-tables';

const registrationKey = (organizationId: string, issuer: string, redirectUri: string) => JSON.stringify([organizationId, issuer, redirectUri]);
const grantKey = (serverId: string, subject: GrantSubject) => JSON.stringify([serverId, subjectKey(subject)]);

/** Registrations, flows and grants in memory, answering as KnexOAuthStore does. */
export class MemoryOAuthStore implements OAuthRepository {
  constructor(private readonly tables: TableAccess) {}

  async findRegistration(organizationId: string, issuer: string, redirectUri: string): Promise<ClientRegistration | null> {
    const found = this.tables.read().oauthRegistrations.get(registrationKey(organizationId, issuer, redirectUri));
    return found ? { ...found } : null;
  }

  insertRegistration(r: ClientRegistration): Promise<boolean> {
    return this.tables.write((t) => {
      const key = registrationKey(r.organizationId, r.issuer, r.redirectUri);
      if (t.oauthRegistrations.has(key)) return false;
      t.oauthRegistrations.set(key, { ...r });
      return true;
    });
  }

  async findRegistrationById(id: string): Promise<ClientRegistration | null> {
    const found = [...this.tables.read().oauthRegistrations.values()].find((r) => r.id === id);
    return found ? { ...found } : null;
  }

  async addNeededScope(id: string, scope: string, union: (...scopes: Array<string | null>) => string | null): Promise<void> {
    await this.tables.write((t) => {
      for (const [key, grant] of t.oauthGrants) {
        if (grant.id === id) t.oauthGrants.set(key, { ...grant, neededScope: union(grant.scope, grant.neededScope, scope) });
      }
    });
  }

  async insertFlow(flow: ConsentFlow): Promise<void> {
    await this.tables.write((t) => {
      if (t.oauthFlows.has(flow.stateHash)) throw new Error('oauth_flows already holds this state');
      t.oauthFlows.set(flow.stateHash, { ...flow });
    });
  }

  takeFlow(stateHash: string): Promise<ConsentFlow | null> {
    return this.tables.write((t) => {
      const found = t.oauthFlows.get(stateHash) ?? null;
      t.oauthFlows.delete(stateHash);
      return found;
    });
  }

  pruneFlows(expiredBefore: number): Promise<number> {
    return this.tables.write((t) => {
      let pruned = 0;
      for (const [key, flow] of t.oauthFlows) {
        if (flow.expiresAt < expiredBefore) {
          t.oauthFlows.delete(key);
          pruned += 1;
        }
      }
      return pruned;
    });
  }

  async findFlow(stateHash: string): Promise<ConsentFlow | null> {
    const found = this.tables.read().oauthFlows.get(stateHash);
    return found ? { ...found } : null;
  }

  async keepNewestFlows(serverId: string, subject: GrantSubject, keep: number): Promise<void> {
    await this.tables.write((t) => {
      const mine = [...t.oauthFlows.values()]
        .filter((f) => f.serverId === serverId && subjectKey(f.subject) === subjectKey(subject))
        .sort((a, b) => b.createdAt - a.createdAt || (a.stateHash < b.stateHash ? -1 : 1));
      for (const flow of mine.slice(keep)) t.oauthFlows.delete(flow.stateHash);
    });
  }

  async findGrant(serverId: string, subject: GrantSubject): Promise<OAuthGrant | null> {
    const found = this.tables.read().oauthGrants.get(grantKey(serverId, subject));
    return found ? { ...found } : null;
  }

  async findGrantById(id: string): Promise<OAuthGrant | null> {
    const found = [...this.tables.read().oauthGrants.values()].find((g) => g.id === id);
    return found ? { ...found } : null;
  }

  async saveGrant(grant: OAuthGrant): Promise<void> {
    await this.tables.write((t) => {
      t.oauthGrants.set(grantKey(grant.serverId, grant.subject), { ...grant });
    });
  }

  claimRefresh(id: string, version: number, now: number, until: number): Promise<boolean> {
    return this.change(id, version, (g) => (g.refreshingUntil === null || g.refreshingUntil < now ? { ...g, refreshingUntil: until } : null));
  }

  finishRefresh(id: string, version: number, changes: Partial<OAuthGrant>): Promise<boolean> {
    return this.change(id, version, (g) => ({ ...g, ...changes, version: version + 1, refreshingUntil: null }));
  }

  async deleteGrant(id: string): Promise<void> {
    await this.tables.write((t) => {
      for (const [key, grant] of t.oauthGrants) if (grant.id === id) t.oauthGrants.delete(key);
    });
  }

  async grantsOfServer(serverId: string): Promise<OAuthGrant[]> {
    return [...this.tables.read().oauthGrants.values()]
      .filter((g) => g.serverId === serverId)
      .sort((a, b) => (subjectKey(a.subject) < subjectKey(b.subject) ? -1 : 1))
      .map((g) => ({ ...g }));
  }

  /** Replaces the grant with what `next` makes of it, if it is still at `version` and `next` agrees. */
  private change(id: string, version: number, next: (grant: OAuthGrant) => OAuthGrant | null): Promise<boolean> {
    return this.tables.write((t) => {
      for (const [key, grant] of t.oauthGrants) {
        if (grant.id !== id || grant.version !== version) continue;
        const changed = next(grant);
        if (changed === null) return false;
        t.oauthGrants.set(key, changed);
        return true;
      }
      return false;
    });
  }
}
