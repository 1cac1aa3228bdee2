import type { ProbeFailureData } from '../model/probe';
import type { Principal } from '../model/principal';
import { LIMITS } from '../rules/server.rules';
import type { ConnectionTester } from './connection-tester';
import type { ServerRegistry } from './server-registry';

/** Something worth telling the caller about a URL; each interface words it. */
export type UrlFinding =
  | { kind: 'invalid_format'; maxLength: number }
  | { kind: 'plain_http' }
  | { kind: 'duplicates'; count: number }
  /** The unauthenticated handshake was refused: the server wants credentials. */
  | { kind: 'requires_auth' }
  | { kind: 'unreachable'; failure: ProbeFailureData };

export interface UrlCheck {
  url: string;
  formatValid: boolean;
  duplicates: number;
  /** Skipped when the format is not valid: a malformed URL is never dialled. */
  connectivity: 'skipped' | 'success' | 'failed';
  /** In the order they should be shown. */
  findings: UrlFinding[];
}

export interface UrlCheckServices {
  registry: ServerRegistry;
  connections: ConnectionTester;
}

/**
 * Checks a URL before a server is created with it: its format, whether the organization already
 * uses it, and whether an MCP server answers there without credentials.
 */
export async function checkServerUrl(services: UrlCheckServices, principal: Principal, organizationId: string, url: string): Promise<UrlCheck> {
  const { formatValid, duplicates } = await services.registry.inspectUrl(principal, organizationId, url);
  const findings: UrlFinding[] = [];
  if (!formatValid) findings.push({ kind: 'invalid_format', maxLength: LIMITS.url });
  if (formatValid && /^http:/i.test(url.trim())) findings.push({ kind: 'plain_http' });
  if (duplicates > 0) findings.push({ kind: 'duplicates', count: duplicates });
  let connectivity: UrlCheck['connectivity'] = 'skipped';
  if (formatValid) {
    const outcome = await services.connections.checkUrl(url, organizationId);
    connectivity = outcome.success ? 'success' : 'failed';
    if (outcome.failure?.failureClass === 'auth') findings.push({ kind: 'requires_auth' });
    else if (outcome.failure) findings.push({ kind: 'unreachable', failure: outcome.failure });
  }
  return { url, formatValid, duplicates, connectivity, findings };
}
