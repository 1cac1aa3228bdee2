import express from 'express';
import { CallbackRefused } from '../../core/services/oauth-connections';
import type { GatewayInterface } from '../shared/gateway-interface';
import { statusOf } from '../shared/problem';
import { callbackPage, refusalSentence } from './oauth.pages';

/** The error body of these routes: the operations routes' plain shape. */
const plainErrorBody = (code: string, message: string) => ({ error: { code, message } });

const single = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Where authorization servers meet the gateway, outside every dialect's authentication (a
 * browser and an authorization server carry no API key): `/oauth/callback`, where a consent
 * comes back, and `/oauth/client-metadata.json`, the gateway's Client ID Metadata Document.
 */
export const oauthInterface: GatewayInterface = {
  name: 'oauth',
  mountPath: '/oauth',
  keyFormat: null,
  contract: null,
  router({ oauth, logger }) {
    const router = express.Router();
    router.get('/callback', async (req, res) => {
      // The address carries a code: no cache keeps it, no link on the page leaks it.
      res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      try {
        const q = req.query;
        const done = await oauth.complete({ state: single(q.state), code: single(q.code), iss: single(q.iss), error: single(q.error) });
        const whose = done.subject.kind === 'user' ? 'your account' : 'the organization';
        res.type('html').send(callbackPage('Connected', `${done.serverName} is connected for ${whose}. You can close this window.`));
      } catch (error) {
        if (!(error instanceof CallbackRefused)) throw error;
        logger.info({ reason: error.refusal.reason }, 'oauth callback refused');
        res
          .status(400)
          .type('html')
          .send(callbackPage('Not connected', refusalSentence(error.refusal)));
      }
    });
    router.get('/client-metadata.json', (_req, res) => {
      const document = oauth.clientMetadataDocument();
      if (document === null) {
        res.status(404).json(plainErrorBody('NOT_FOUND', 'The gateway serves a Client ID Metadata Document only at an https MCP_GATEWAY_PUBLIC_URL'));
        return;
      }
      res.set('Cache-Control', 'public, max-age=3600').json(document);
    });
    return router;
  },
  errorBody: (problem) => ({ status: statusOf(problem.kind), body: plainErrorBody(problem.kind, problem.detail) }),
  sendError: (res, problem) => void res.status(statusOf(problem.kind)).json(plainErrorBody(problem.kind, problem.detail)),
};
