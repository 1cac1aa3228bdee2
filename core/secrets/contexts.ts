/*
 * The associated data every encrypted value is bound to (AES-GCM's `aad`): the row (and, for
 * headers and tokens, the field) it belongs to, so a ciphertext copied to another row does not
 * decrypt. One list, because re-encrypting everything (`secrets rekey`) must rebuild each.
 */

/** A secret value: its organization and id. */
export const secretContext = (organizationId: string, secretId: string) => `secret/${organizationId}/${secretId}`;

/** A request-header value: its server and (case-folded) header name. */
export const headerContext = (serverId: string, name: string) => `mcp-server/${serverId}/header/${name.toLowerCase()}`;

/** A held call's arguments: the approval request's id. */
export const argumentsContext = (id: string) => `approval-arguments:${id}`;

/** An OAuth grant's access or refresh token. */
export const tokenContext = (grant: { organizationId: string; id: string }, which: 'access' | 'refresh') =>
  `oauth-grant/${grant.organizationId}/${grant.id}/${which}`;

/** A consent flow's PKCE code verifier. */
export const flowContext = (flow: { organizationId: string; stateHash: string }) => `oauth-flow/${flow.organizationId}/${flow.stateHash}`;

/** A dynamically registered OAuth client's secret. */
export const registrationContext = (organizationId: string, id: string) => `oauth-client/${organizationId}/${id}`;

/** An agent's answer on its way to another instance. */
export const agentReplyContext = (id: string) => `agent-reply:${id}`;

/** The value that tells, at start-up, whether the configured key is the database's. */
export const KEY_CHECK_CONTEXT = 'encryption_key_check';
