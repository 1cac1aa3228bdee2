import express, { type Router } from 'express';
import type { ConnectionView, ConsentStarted, OAuthConnections } from '../../core/services/oauth-connections';
import { principalOf } from '../shared/principal';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toConsentStarted(started: ConsentStarted) {
  return {
    authorizationUrl: started.authorizationUrl,
    expiresAt: iso(started.expiresAt),
    issuer: started.issuer,
    scope: started.scope,
    perUser: started.subject.kind === 'user',
    clientRegistration: started.clientSource,
  };
}

function toConnection(view: ConnectionView) {
  return {
    perUser: view.perUser,
    connected: view.connected,
    status: view.status,
    statusReason: view.statusReason,
    issuer: view.issuer,
    scope: view.scope,
    neededScope: view.neededScope,
    accessTokenExpiresAt: iso(view.accessExpiresAt),
    connectedAt: iso(view.connectedAt),
  };
}

/** `/v1/mcp-configurations/{config_id}/oauth[/connect]`: start a consent, see it, end it. */
export function aitronosOAuthRouter(oauth: OAuthConnections): Router {
  const router = express.Router();
  router.post('/mcp-configurations/:config_id/oauth/connect', async (req, res) => {
    const body = (req.body ?? {}) as { scope?: string };
    res.json(toConsentStarted(await oauth.connect(principalOf(res), req.params.config_id, { scope: body.scope })));
  });
  router.get('/mcp-configurations/:config_id/oauth', async (req, res) => {
    res.json(toConnection(await oauth.status(principalOf(res), req.params.config_id)));
  });
  router.delete('/mcp-configurations/:config_id/oauth', async (req, res) => {
    const { revoked } = await oauth.disconnect(principalOf(res), req.params.config_id);
    res.json({ disconnected: true, revoked });
  });
  return router;
}
