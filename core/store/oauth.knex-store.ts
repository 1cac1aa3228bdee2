import type { Knex } from 'knex';
import { type ClientRegistration, type ConsentFlow, type GrantSubject, type OAuthGrant, subjectKey, subjectOf } from '../model/oauth';
import type { OAuthRepository } from '../ports';
import { isUniqueViolation, parseJson, toMillis, toMillisOrNull } from './sql-quirks';

type Row = Record<string, unknown>;

const toRegistration = (r: Row): ClientRegistration => ({
  id: r.id as string,
  organizationId: r.organization_id as string,
  issuer: r.issuer as string,
  redirectUri: r.redirect_uri as string,
  clientId: r.client_id as string,
  clientSecretCiphertext: (r.client_secret as string | null) ?? null,
  tokenEndpointAuthMethod: (r.token_endpoint_auth_method as string | null) ?? null,
  createdAt: toMillis(r.created_at),
});

const toFlow = (r: Row): ConsentFlow => ({
  stateHash: r.state_hash as string,
  organizationId: r.organization_id as string,
  serverId: r.server_id as string,
  subject: subjectOf(r.subject as string),
  startedByKeyId: (r.started_by_key_id as string | null) ?? null,
  startedByUserId: (r.started_by_user_id as string | null) ?? null,
  client: parseJson(r.client),
  server: parseJson(r.authorization_server),
  codeVerifierCiphertext: r.code_verifier as string,
  resource: r.resource as string,
  scope: (r.scope as string | null) ?? null,
  redirectUri: r.redirect_uri as string,
  createdAt: toMillis(r.created_at),
  expiresAt: toMillis(r.expires_at),
});

const toGrant = (r: Row): OAuthGrant => ({
  id: r.id as string,
  organizationId: r.organization_id as string,
  serverId: r.server_id as string,
  subject: subjectOf(r.subject as string),
  client: parseJson(r.client),
  server: parseJson(r.authorization_server),
  resource: r.resource as string,
  scope: (r.scope as string | null) ?? null,
  accessTokenCiphertext: r.access_token as string,
  refreshTokenCiphertext: (r.refresh_token as string | null) ?? null,
  accessExpiresAt: toMillisOrNull(r.access_expires_at),
  accessIssuedAt: toMillis(r.access_issued_at),
  status: r.status as OAuthGrant['status'],
  statusReason: (r.status_reason as string | null) ?? null,
  neededScope: (r.needed_scope as string | null) ?? null,
  version: toMillis(r.version),
  refreshingUntil: toMillisOrNull(r.refreshing_until),
  connectedAt: toMillis(r.connected_at),
  connectedByUserId: (r.connected_by_user_id as string | null) ?? null,
  updatedAt: toMillis(r.updated_at),
});

/** Column values of a grant's fields (a partial grant gives only its own). */
function grantColumns(g: Partial<OAuthGrant>): Row {
  const columns: Row = {
    id: g.id,
    organization_id: g.organizationId,
    server_id: g.serverId,
    subject: g.subject && subjectKey(g.subject),
    client: g.client && JSON.stringify(g.client),
    authorization_server: g.server && JSON.stringify(g.server),
    resource: g.resource,
    scope: g.scope,
    access_token: g.accessTokenCiphertext,
    refresh_token: g.refreshTokenCiphertext,
    access_expires_at: g.accessExpiresAt,
    access_issued_at: g.accessIssuedAt,
    status: g.status,
    status_reason: g.statusReason,
    needed_scope: g.neededScope,
    version: g.version,
    refreshing_until: g.refreshingUntil,
    connected_at: g.connectedAt,
    connected_by_user_id: g.connectedByUserId,
    updated_at: g.updatedAt,
  };
  return Object.fromEntries(Object.entries(columns).filter(([, v]) => v !== undefined));
}

export class KnexOAuthStore implements OAuthRepository {
  constructor(private readonly db: Knex | Knex.Transaction) {}

  async findRegistration(organizationId: string, issuer: string, redirectUri: string): Promise<ClientRegistration | null> {
    const row = await this.db('oauth_registrations').where({ organization_id: organizationId, issuer, redirect_uri: redirectUri }).first();
    return row ? toRegistration(row) : null;
  }

  async insertRegistration(r: ClientRegistration): Promise<boolean> {
    try {
      await this.db('oauth_registrations').insert({
        id: r.id,
        organization_id: r.organizationId,
        issuer: r.issuer,
        redirect_uri: r.redirectUri,
        client_id: r.clientId,
        client_secret: r.clientSecretCiphertext,
        token_endpoint_auth_method: r.tokenEndpointAuthMethod,
        created_at: r.createdAt,
      });
      return true;
    } catch (error) {
      if (isUniqueViolation(error, 'oauth_registrations_issuer')) return false;
      throw error;
    }
  }

  async findRegistrationById(id: string): Promise<ClientRegistration | null> {
    const row = await this.db('oauth_registrations').where({ id }).first();
    return row ? toRegistration(row) : null;
  }

  async addNeededScope(id: string, scope: string, union: (...scopes: Array<string | null>) => string | null): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row = await trx('oauth_grants').where({ id }).forUpdate().first();
      if (!row) return;
      const needed = union(row.scope as string | null, row.needed_scope as string | null, scope);
      if (needed !== row.needed_scope) await trx('oauth_grants').where({ id }).update({ needed_scope: needed });
    });
  }

  async insertFlow(f: ConsentFlow): Promise<void> {
    await this.db('oauth_flows').insert({
      state_hash: f.stateHash,
      organization_id: f.organizationId,
      server_id: f.serverId,
      subject: subjectKey(f.subject),
      started_by_key_id: f.startedByKeyId,
      started_by_user_id: f.startedByUserId,
      client: JSON.stringify(f.client),
      authorization_server: JSON.stringify(f.server),
      code_verifier: f.codeVerifierCiphertext,
      resource: f.resource,
      scope: f.scope,
      redirect_uri: f.redirectUri,
      created_at: f.createdAt,
      expires_at: f.expiresAt,
    });
  }

  async takeFlow(stateHash: string): Promise<ConsentFlow | null> {
    const row = await this.db('oauth_flows').where({ state_hash: stateHash }).first();
    if (!row) return null;
    // Whoever deletes the row owns the flow: a second callback with the same state finds nothing.
    const deleted = await this.db('oauth_flows').where({ state_hash: stateHash }).del();
    return deleted === 1 ? toFlow(row) : null;
  }

  pruneFlows(expiredBefore: number): Promise<number> {
    return this.db('oauth_flows').where('expires_at', '<', expiredBefore).del();
  }

  async findFlow(stateHash: string): Promise<ConsentFlow | null> {
    const row = await this.db('oauth_flows').where({ state_hash: stateHash }).first();
    return row ? toFlow(row) : null;
  }

  async keepNewestFlows(serverId: string, subject: GrantSubject, keep: number): Promise<void> {
    const where = { server_id: serverId, subject: subjectKey(subject) };
    const newest = await this.db('oauth_flows').where(where).orderBy('created_at', 'desc').orderBy('state_hash').offset(keep).select('state_hash');
    if (newest.length > 0) {
      await this.db('oauth_flows')
        .whereIn(
          'state_hash',
          newest.map((r) => r.state_hash as string),
        )
        .del();
    }
  }

  async findGrant(serverId: string, subject: GrantSubject): Promise<OAuthGrant | null> {
    const row = await this.db('oauth_grants')
      .where({ server_id: serverId, subject: subjectKey(subject) })
      .first();
    return row ? toGrant(row) : null;
  }

  async findGrantById(id: string): Promise<OAuthGrant | null> {
    const row = await this.db('oauth_grants').where({ id }).first();
    return row ? toGrant(row) : null;
  }

  async saveGrant(grant: OAuthGrant): Promise<void> {
    const columns = grantColumns(grant);
    const { id: _id, server_id: _server, subject: _subject, ...rest } = columns;
    await this.db('oauth_grants')
      .insert(columns)
      .onConflict(['server_id', 'subject'])
      .merge({ ...rest, id: grant.id });
  }

  async claimRefresh(id: string, version: number, now: number, until: number): Promise<boolean> {
    const updated = await this.db('oauth_grants')
      .where({ id, version })
      .andWhere((q) => q.whereNull('refreshing_until').orWhere('refreshing_until', '<', now))
      .update({ refreshing_until: until });
    return updated === 1;
  }

  async finishRefresh(id: string, version: number, changes: Partial<OAuthGrant>): Promise<boolean> {
    const updated = await this.db('oauth_grants')
      .where({ id, version })
      .update({ ...grantColumns(changes), version: version + 1, refreshing_until: null });
    return updated === 1;
  }

  async deleteGrant(id: string): Promise<void> {
    await this.db('oauth_grants').where({ id }).del();
  }

  async grantsOfServer(serverId: string): Promise<OAuthGrant[]> {
    return (await this.db('oauth_grants').where({ server_id: serverId }).orderBy('subject')).map(toGrant);
  }
}
