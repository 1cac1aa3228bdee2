import type { CallbackRefusal } from '../../core/services/oauth-connections';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The page a person sees when the authorization server sends the browser back. */
export function callbackPage(title: string, sentence: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · mcp-gateway</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}</style>
</head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(sentence)}</p></body></html>
`;
}

/**
 * Before a per-user consent is used: whose gateway user the person's account is about to be
 * connected to, and a button that goes on (a form POST carrying what the authorization server
 * sent back). Someone who was sent this link by another person sees that name and can stop.
 */
export function confirmPage(pending: { userId: string; serverName: string; issuer: string }, query: { state: string; code?: string; iss?: string }): string {
  const hidden = Object.entries(query)
    .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  return callbackPage(
    'Connect your account?',
    `This connects the account you just signed in with at ${pending.issuer} to the gateway user ${pending.userId}, for the MCP server ${pending.serverName}. Agents acting for ${pending.userId} will use your account. Continue only if you started this connection yourself.`,
  ).replace(
    '</p></body>',
    `</p><form method="post" action="callback">${hidden}<button type="submit">Connect</button></form><p>If you did not start this, close this window: nothing is stored.</p></body>`,
  );
}

/** Why a callback was refused, in words a person can act on (never a token, never upstream text). */
export function refusalSentence(refusal: CallbackRefusal): string {
  switch (refusal.reason) {
    case 'missing_state':
      return 'This address carries no state parameter, so it cannot belong to a connection the gateway started. Start again from the connect route.';
    case 'unknown_state':
      return 'This consent is not one the gateway is waiting for: it was already used, or it was never started here. Start again from the connect route.';
    case 'expired':
      return 'This consent took too long and has expired. Start again from the connect route.';
    case 'missing_code':
      return 'The authorization server sent no authorization code. Start again from the connect route.';
    case 'server_gone':
      return 'The MCP server this consent was for no longer exists.';
    case 'server_changed':
      return 'The MCP server this consent was for was deleted or now authenticates another way, so nothing was stored.';
    case 'issuer_mismatch':
      return `The response did not come from the authorization server the consent was sent to (${refusal.expected}), so it was not used (RFC 9207). Start again from the connect route.`;
    case 'denied':
      return `The authorization server did not grant access (${refusal.error}). Nothing was stored.`;
    case 'token_request':
      return `The authorization server refused to exchange the code for tokens: ${refusal.detail}`;
  }
}
