import { ValidationError } from '../errors';
import type { Credentials } from '../model/input';
import type { AuthType, ServerAuth } from '../model/server';
import { checkEncodableText, checkHeaderName, checkHttpUrl, checkSecretId, checkSecretValue, LIMITS } from './server.rules';

export const DEFAULT_API_KEY_HEADER = 'X-API-Key';

/** A secret value that must be stored (encrypted) for the auth to work. */
export interface PendingSecret {
  id: string;
  purpose: string;
  plaintext: string;
}

/** Which credential fields each auth type reads; any other given field is a mistake. */
const FIELDS_BY_TYPE: Record<AuthType, ReadonlyArray<keyof Credentials>> = {
  none: [],
  bearer: ['token', 'secretId'],
  api_key: ['apiKey', 'headerName'],
  oauth: ['clientId', 'clientSecret', 'tokenUrl', 'scope', 'accessToken', 'grantType', 'perUser'],
};

/**
 * Turns plaintext credentials into a stored auth that points at secrets, plus the secrets to
 * write. Errors name fields as `auth.<credential>`; each dialect names them in its words.
 */
export function resolveAuth(type: AuthType, credentials: Credentials, newSecretId: () => string): { auth: ServerAuth; secrets: PendingSecret[] } {
  const given = (Object.keys(credentials) as Array<keyof Credentials>).filter((k) => credentials[k] !== undefined);
  for (const field of given) {
    if (!FIELDS_BY_TYPE[type].includes(field)) {
      throw new ValidationError(`auth.${field}`, { rule: 'not_allowed', authType: type });
    }
  }
  const secret = (purpose: string, plaintext: string): PendingSecret => ({ id: newSecretId(), purpose, plaintext });

  switch (type) {
    case 'none':
      return { auth: { type: 'none' }, secrets: [] };
    case 'bearer': {
      if (credentials.secretId !== undefined && credentials.token !== undefined) {
        throw new ValidationError('auth.token', { rule: 'exclusive', other: 'auth.secretId' });
      }
      if (credentials.secretId !== undefined) {
        const secretId = checkSecretId(credentials.secretId, 'auth.secretId');
        return { auth: { type: 'bearer', secretId }, secrets: [] };
      }
      const token = secret('bearer token', checkSecretValue(credentials.token, 'auth.token'));
      return { auth: { type: 'bearer', secretId: token.id }, secrets: [token] };
    }
    case 'api_key': {
      const key = secret('API key', checkSecretValue(credentials.apiKey, 'auth.apiKey'));
      const headerName = credentials.headerName === undefined ? DEFAULT_API_KEY_HEADER : checkHeaderName(credentials.headerName, 'auth.headerName');
      return { auth: { type: 'api_key', headerName, secretId: key.id }, secrets: [key] };
    }
    case 'oauth':
      return resolveOAuth(credentials, secret);
  }
}

function resolveOAuth(credentials: Credentials, secret: (purpose: string, plaintext: string) => PendingSecret): { auth: ServerAuth; secrets: PendingSecret[] } {
  if (credentials.grantType !== undefined && credentials.grantType !== 'authorization_code') {
    throw new ValidationError('auth.grantType', { rule: 'one_of', allowed: ['authorization_code'] });
  }
  if (credentials.grantType === 'authorization_code') return resolveAuthorizationCode(credentials, secret);
  if (credentials.perUser !== undefined) throw new ValidationError('auth.perUser', { rule: 'not_allowed', authType: 'oauth' });
  const clientFields = [credentials.clientId, credentials.clientSecret, credentials.tokenUrl, credentials.scope];
  if (credentials.accessToken !== undefined) {
    if (clientFields.some((v) => v !== undefined)) {
      throw new ValidationError('auth.accessToken', { rule: 'exclusive_grant' });
    }
    const token = secret('OAuth access token', checkSecretValue(credentials.accessToken, 'auth.accessToken'));
    return { auth: { type: 'oauth', grant: 'access_token', secretId: token.id }, secrets: [token] };
  }
  const clientId = credentials.clientId;
  if (typeof clientId !== 'string' || clientId.trim() === '' || clientId.length > LIMITS.clientId) {
    throw new ValidationError('auth.clientId', { rule: 'required_unless', limit: LIMITS.clientId, other: 'auth.accessToken' });
  }
  // Sent percent-encoded inside the Basic credentials of the token request.
  checkEncodableText(clientId, 'auth.clientId');
  if (credentials.tokenUrl === undefined) throw new ValidationError('auth.tokenUrl', { rule: 'required_for_grant' });
  const tokenUrl = checkHttpUrl(credentials.tokenUrl, 'auth.tokenUrl');
  const scope = credentials.scope ?? null;
  if (scope !== null && (typeof scope !== 'string' || scope.length > LIMITS.scope)) {
    throw new ValidationError('auth.scope', { rule: 'too_long', limit: LIMITS.scope });
  }
  if (scope !== null) checkEncodableText(scope, 'auth.scope');
  const clientSecret = secret('OAuth client secret', checkSecretValue(credentials.clientSecret, 'auth.clientSecret'));
  return {
    auth: { type: 'oauth', grant: 'client_credentials', clientId, tokenUrl, scope, secretId: clientSecret.id },
    secrets: [clientSecret],
  };
}

/**
 * The authorization-code grant: nothing is needed up front (the gateway discovers the
 * authorization server and registers itself), or a client an operator registered beforehand:
 * its id, and its secret when it is a confidential client.
 */
function resolveAuthorizationCode(
  credentials: Credentials,
  secret: (purpose: string, plaintext: string) => PendingSecret,
): { auth: ServerAuth; secrets: PendingSecret[] } {
  if (credentials.tokenUrl !== undefined) throw new ValidationError('auth.tokenUrl', { rule: 'not_allowed', authType: 'oauth' });
  if (credentials.accessToken !== undefined) throw new ValidationError('auth.accessToken', { rule: 'exclusive_grant' });
  if (credentials.perUser !== undefined && typeof credentials.perUser !== 'boolean')
    throw new ValidationError('auth.perUser', { rule: 'one_of', allowed: ['true', 'false'] });
  let clientId: string | null = null;
  if (credentials.clientId !== undefined) {
    if (typeof credentials.clientId !== 'string' || credentials.clientId.trim() === '' || credentials.clientId.length > LIMITS.clientId) {
      throw new ValidationError('auth.clientId', { rule: 'too_long', limit: LIMITS.clientId });
    }
    checkEncodableText(credentials.clientId, 'auth.clientId');
    clientId = credentials.clientId;
  }
  const scope = credentials.scope ?? null;
  if (scope !== null && (typeof scope !== 'string' || scope.length > LIMITS.scope))
    throw new ValidationError('auth.scope', { rule: 'too_long', limit: LIMITS.scope });
  if (scope !== null) checkEncodableText(scope, 'auth.scope');
  const perUser = credentials.perUser ?? false;
  if (credentials.clientSecret === undefined) {
    return { auth: { type: 'oauth', grant: 'authorization_code', perUser, clientId, scope }, secrets: [] };
  }
  if (clientId === null) throw new ValidationError('auth.clientId', { rule: 'required_for_grant' });
  const clientSecret = secret('OAuth client secret', checkSecretValue(credentials.clientSecret, 'auth.clientSecret'));
  return { auth: { type: 'oauth', grant: 'authorization_code', perUser, clientId, scope, secretId: clientSecret.id }, secrets: [clientSecret] };
}
