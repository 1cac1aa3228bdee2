import { ValidationError } from '../errors';
import type { ImportCandidate, ImportSecret } from '../model/migration';
import type { StoredSecret } from '../model/secret';
import { type McpServer, TRANSPORTS } from '../model/server';
import { resolveAuth } from '../rules/auth.rules';
import {
  checkAllowedTools,
  checkDescription,
  checkHeaderName,
  checkHttpUrl,
  checkInstant,
  checkName,
  checkRequestHeaders,
  checkSecretId,
  checkSecretValue,
  LIMITS,
} from '../rules/server.rules';
import { checkToolHash, checkToolName } from '../rules/tool-hash';

/**
 * What comes in through an import or a restore passes the rules the API applies, before
 * anything is written: a refused entry is reported with the rule's reason and stores nothing.
 * Each function answers that reason, or null when the entry passes.
 */

function reasonOf(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (error) {
    if (error instanceof ValidationError) return error.message;
    throw error;
  }
}

/**
 * Header values are stored in objects keyed by name; an own `__proto__` key would be lost on
 * the way, so the entry is refused with a reason instead of losing the header silently.
 */
function checkStorableHeaderNames(names: string[], field: string): void {
  for (const name of names) {
    if (name === '__proto__') throw new ValidationError(`${field}.${name}`, { rule: 'unstorable_header' });
  }
}

/** One server read from another platform's file. */
export function refusalOfCandidate(c: ImportCandidate): string | null {
  return reasonOf(() => {
    checkName(c.name);
    if (c.description !== undefined) checkDescription(c.description);
    // Compared with stored servers and stored in the form the API stores (the parser's).
    c.url = checkHttpUrl(c.url);
    if (!(TRANSPORTS as ReadonlyArray<string>).includes(c.transport)) throw new ValidationError('transport', { rule: 'one_of', allowed: TRANSPORTS });
    if (c.auth) resolveAuth(c.auth.type, c.auth.credentials, () => 'sec_check');
    if (c.requestHeaders) {
      checkStorableHeaderNames([...Object.keys(c.requestHeaders), ...(c.maskedHeaders ?? [])], 'requestHeaders');
      checkRequestHeaders(c.requestHeaders);
    }
    if (c.allowedTools !== undefined) checkAllowedTools(c.allowedTools);
    c.toolApprovals?.forEach((a, i) => {
      checkToolName(a.toolName, `toolApprovals[${i}].toolName`);
      checkToolHash(a.toolHash, `toolApprovals[${i}].toolHash`);
    });
    if (c.createdAt !== undefined) checkInstant(c.createdAt, 'createdAt');
  });
}

/** A secret a Zudu export asks to create; a missing value is reported apart, not as a rule. */
export function refusalOfSecret(s: ImportSecret): string | null {
  return reasonOf(() => {
    checkSecretId(s.id);
    checkName(s.name);
    if (s.value !== null) checkSecretValue(s.value, 'value');
  });
}

/** A server record of a native backup: every field the API would have checked, and its instants. */
export function refusalOfBackupServer(r: McpServer): string | null {
  return reasonOf(() => {
    checkName(r.name);
    checkDescription(r.description);
    checkHttpUrl(r.url);
    checkBackupAuth(r.auth);
    checkStorableHeaderNames(Object.keys(r.requestHeaders), 'requestHeaders');
    for (const name of Object.keys(r.requestHeaders)) checkHeaderName(name, `requestHeaders.${name}`);
    checkAllowedTools(r.toolPolicy.allowedTools, 'toolPolicy.allowedTools');
    r.toolApprovals.forEach((a, i) => {
      checkToolName(a.toolName, `toolApprovals[${i}].toolName`);
      checkToolHash(a.toolHash, `toolApprovals[${i}].toolHash`);
    });
    checkInstant(r.createdAt, 'createdAt');
    checkInstant(r.updatedAt, 'updatedAt');
    if (r.deletedAt !== null) checkInstant(r.deletedAt, 'deletedAt');
    if (r.connection.lastTestedAt !== null) checkInstant(r.connection.lastTestedAt, 'connection.lastTestedAt');
    if (r.connection.lastConnectedAt !== null) checkInstant(r.connection.lastConnectedAt, 'connection.lastConnectedAt');
  });
}

function checkBackupAuth(auth: McpServer['auth']): void {
  if (auth.type === 'none') return;
  if (auth.type === 'oauth' && auth.grant === 'authorization_code') {
    if (auth.secretId !== undefined) checkSecretId(auth.secretId, 'auth.secretId');
    if (auth.clientId !== null && (auth.clientId.trim() === '' || auth.clientId.length > LIMITS.clientId)) {
      throw new ValidationError('auth.clientId', { rule: 'length', limit: LIMITS.clientId });
    }
    if (auth.scope !== null && auth.scope.length > LIMITS.scope) throw new ValidationError('auth.scope', { rule: 'too_long', limit: LIMITS.scope });
    return;
  }
  checkSecretId(auth.secretId, 'auth.secretId');
  if (auth.type === 'api_key') checkHeaderName(auth.headerName, 'auth.headerName');
  if (auth.type === 'oauth' && auth.grant === 'client_credentials') {
    if (auth.clientId.trim() === '' || auth.clientId.length > LIMITS.clientId) {
      throw new ValidationError('auth.clientId', { rule: 'length', limit: LIMITS.clientId });
    }
    checkHttpUrl(auth.tokenUrl, 'auth.tokenUrl');
    if (auth.scope !== null && auth.scope.length > LIMITS.scope) throw new ValidationError('auth.scope', { rule: 'too_long', limit: LIMITS.scope });
  }
}

/** A secret of a native backup (its value is checked once decrypted, by the restore). */
export function refusalOfBackupSecret(s: StoredSecret): string | null {
  return reasonOf(() => {
    checkSecretId(s.id);
    checkName(s.name);
    checkInstant(s.createdAt, 'createdAt');
    checkInstant(s.updatedAt, 'updatedAt');
  });
}
