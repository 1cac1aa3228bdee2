import type { ConnectionState } from '../model/server';

/**
 * The state of a configuration nobody has tested as it now stands. A change of where it
 * connects or what it sends (URL, transport, credentials, request headers) returns to it, so no
 * stored status or tool list describes a configuration other than the current one.
 */
export function untestedConnection(): ConnectionState {
  return { status: 'untested', lastTestedAt: null, lastConnectedAt: null, errorMessage: null, tools: null };
}
