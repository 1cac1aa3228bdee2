import type { FailureClass, OAuthStep, ProbeFailureReason } from '../model/probe';

/** Node's socket error codes in the gateway's words; its messages name the resolved address. */
const TRANSPORT_SENTENCE: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name did not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
};

const WITHHELD = {
  short: 'its own words are withheld because a credential sent to it is too short to mask',
  encoded: 'its own words are withheld because a credential sent to it can still be read in them once they are decoded',
};

const OAUTH_STEPS: Record<OAuthStep, string> = {
  challenge: "server's authorization challenge",
  protected_resource_metadata: 'protected resource metadata (RFC 9728)',
  authorization_server_metadata: 'authorization server metadata (RFC 8414 / OpenID Connect discovery)',
  client_registration: 'client registration',
  token_request: 'token request',
};

/** The failure class a reason belongs to (what the wire views and the metrics count). */
export function classOfFailure(reason: ProbeFailureReason): FailureClass {
  switch (reason.kind) {
    case 'busy':
      return 'busy';
    case 'deadline':
    case 'connect_timeout':
      return 'timeout';
    case 'blocked_destination':
    case 'bad_port':
    case 'redirect':
      return 'blocked';
    case 'tls':
      return 'tls';
    case 'unreachable':
    case 'closed_early':
      return 'transport';
    case 'credentials_refused':
    case 'token_refused':
    case 'token_missing':
    case 'oauth_discovery':
    case 'oauth_consent_required':
    case 'oauth_reconnect':
    case 'oauth_step_up':
    case 'oauth_refresh_failed':
      return 'auth';
    case 'response_too_large':
    case 'not_mcp':
    case 'schema_too_deep':
      return 'protocol';
    case 'headers_undecryptable':
    case 'secret_missing':
    case 'secret_undecryptable':
      return 'config';
  }
}

/** The gateway's sentence for a failure, meant for the operator (stored and shown by both dialects). */
export function describeProbeFailure(reason: ProbeFailureReason): string {
  switch (reason.kind) {
    case 'busy':
      return `The gateway is running as many connection tests as it allows, and no slot became free within ${reason.queueTimeoutMs} ms; this test did not start (nothing was stored): retry in a moment`;
    case 'deadline':
      return `The server did not complete the MCP handshake and tool listing within ${reason.timeoutMs} ms`;
    case 'blocked_destination':
      return `Refused to connect to ${reason.host}: ${reason.rule} addresses are blocked; an operator can open it with MCP_GATEWAY_ALLOWED_HOSTS`;
    case 'bad_port':
      return "The port is on the list HTTP clients refuse to connect to (the fetch standard's bad ports)";
    case 'redirect':
      return `The server redirected to ${reason.target ?? 'another origin'}; redirects are followed only within the same origin`;
    case 'response_too_large':
      return `The server's answer is larger than ${reason.limitMb} MB`;
    case 'tls': {
      const sentence = reason.code ? `TLS handshake failed (${reason.code})` : 'TLS handshake failed';
      return reason.words ? `${sentence}: ${reason.words}` : sentence;
    }
    case 'connect_timeout':
      return `The connection timed out (${reason.code})`;
    case 'unreachable':
      return `Could not reach the server: ${TRANSPORT_SENTENCE[reason.code] ?? 'the connection failed'} (${reason.code})`;
    case 'closed_early':
      return 'The connection was closed before the server answered';
    case 'credentials_refused':
      return `The server refused the credentials${reason.status ? ` (HTTP ${reason.status})` : ''}`;
    case 'token_refused':
      return `The token endpoint refused the client credentials (HTTP ${reason.status})`;
    case 'token_missing':
      return 'The token endpoint answered without an access_token';
    case 'oauth_discovery':
      return `OAuth ${reason.step === 'client_registration' || reason.step === 'token_request' ? 'setup' : 'discovery'} failed at the ${OAUTH_STEPS[reason.step]}: ${reason.detail}`;
    case 'oauth_consent_required':
      return `This server needs OAuth consent${reason.issuer ? ` at ${reason.issuer}` : ''}${reason.perUser ? ' from each user' : ''}: connect it with its oauth/connect route, then open the authorization URL in a browser`;
    case 'oauth_reconnect':
      return `The OAuth grant for this server no longer works (${reason.why}); reconnect it with its oauth/connect route`;
    case 'oauth_step_up':
      return `The server asks for more OAuth scope (${reason.scope}); reconnect it with its oauth/connect route to consent to it`;
    case 'oauth_refresh_failed':
      return `Refreshing the OAuth access token failed (${reason.detail}); the grant is kept and the next call tries again`;
    case 'not_mcp':
      if (reason.words !== null) return `The server did not answer as an MCP server: ${reason.words}`;
      return `The server did not answer as an MCP server${reason.status ? ` (HTTP ${reason.status})` : ''}; ${WITHHELD[reason.withheld ?? 'short']}`;
    case 'schema_too_deep':
      return `A tool's input schema is too deeply nested (more than ${reason.limit} levels of objects and arrays)`;
    case 'headers_undecryptable':
      return 'The stored request headers cannot be decrypted with the current key';
    case 'secret_missing':
      return `The secret '${reason.secretId}' this server uses does not exist in its organization; create it first`;
    case 'secret_undecryptable':
      return `The secret '${reason.secretId}' cannot be decrypted with the current key`;
  }
}
