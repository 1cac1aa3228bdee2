import express, { type Response } from 'express';
import type { OAuthConnections } from '../../core/services/oauth-connections';
import { CallbackRefused } from '../../core/services/oauth-connections';
import type { GatewayInterface } from '../shared/gateway-interface';
import { statusOf } from '../shared/problem';
import { callbackPage, confirmPage, refusalSentence } from './oauth.pages';

/** The error body of these routes: the operations routes' plain shape. */
const plainErrorBody = (code: string, message: string) => ({ error: { code, message } });

const single = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** What the authorization server sent back, from the query (GET) or the confirmation form (POST). */
function answerIn(source: Record<string, unknown>) {
  return { state: single(source.state), code: single(source.code), iss: single(source.iss), error: single(source.error) };
}

/** Uses the consent and shows the person how it ended. */
async function completeAndShow(oauth: OAuthConnections, res: Response, answer: ReturnType<typeof answerIn>, log: (reason: string) => void) {
  try {
    const done = await oauth.complete(answer);
    const whose = done.subject.kind === 'user' ? `the account of ${done.subject.userId}` : 'the organization';
    res.type('html').send(callbackPage('Connected', `${done.serverName} is connected for ${whose}. You can close this window.`));
  } catch (error) {
    if (!(error instanceof CallbackRefused)) throw error;
    log(error.refusal.reason);
    res
      .status(400)
      .type('html')
      .send(callbackPage('Not connected', refusalSentence(error.refusal)));
  }
}

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
    const log = (reason: string) => logger.info({ reason }, 'oauth callback refused');
    // The address (or the form) carries a code: no cache keeps it, no link on the page leaks it.
    const noStore: express.RequestHandler = (_req, res, next) => {
      res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
      next();
    };
    router.get('/callback', noStore, async (req, res) => {
      const answer = answerIn(req.query as Record<string, unknown>);
      // A per-user consent is confirmed first, showing whose gateway user it connects.
      const pending = answer.error === undefined && answer.code !== undefined ? await oauth.pendingUserConsent(answer.state) : null;
      if (pending && answer.state) {
        res.type('html').send(confirmPage(pending, { state: answer.state, code: answer.code, iss: answer.iss }));
        return;
      }
      await completeAndShow(oauth, res, answer, log);
    });
    router.post('/callback', noStore, express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), async (req, res) => {
      await completeAndShow(oauth, res, answerIn((req.body ?? {}) as Record<string, unknown>), log);
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
