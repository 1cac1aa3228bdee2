import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { InterfaceContext } from '../shared/gateway-interface';
import { contractValidator, REQUEST_BODY_LIMIT } from '../shared/openapi';
import { zuduAuthentication } from './zudu.auth';
import { zuduErrorHandler } from './zudu.envelope';
import { zuduSecretsRouter } from './zudu.secrets.router';
import { zuduServersRouter } from './zudu.servers.router';
import { zuduOversightRouter } from './zudu.oversight.router';

/** What the Zudu routers use of the interface context (the per-key limit is optional in tests). */
export type ZuduDeps = Pick<
  InterfaceContext,
  'registry' | 'secrets' | 'connections' | 'apiKeys' | 'logger' | 'validateResponses' | 'approvals' | 'audit' | 'oauth'
> &
  Partial<Pick<InterfaceContext, 'afterAuthentication'>>;

/**
 * Zudu's documented curl examples send JSON with no Content-Type (curl -d says form data), so
 * bodies here are read as JSON whatever the header claims, and the header is set to match
 * before the contract validator looks at it.
 */
function treatBodyAsJson(req: Request, _res: Response, next: NextFunction): void {
  if (req.body !== undefined && !req.is('application/json')) req.headers['content-type'] = 'application/json';
  next();
}

/** `/api`: authenticate the key pair, read the body, validate against schemas/zudu.openapi.yaml, route. */
export function zuduRouter(deps: ZuduDeps): Router {
  const router = express.Router();
  // The key pair first, then the body: a caller without a valid pair gets 401 (and counts as a
  // failed authentication) whatever it sends, and its body is never parsed.
  router.use(zuduAuthentication(deps.apiKeys));
  if (deps.afterAuthentication?.length) router.use(...deps.afterAuthentication);
  router.use(express.json({ limit: REQUEST_BODY_LIMIT, type: () => true }));
  router.use(treatBodyAsJson);
  router.use(contractValidator('zudu', deps.validateResponses));
  router.use(zuduServersRouter(deps.registry, deps.connections, deps.oauth));
  router.use(zuduSecretsRouter(deps.secrets));
  router.use(zuduOversightRouter(deps.approvals, deps.audit));
  router.use(zuduErrorHandler(deps.logger));
  return router;
}
