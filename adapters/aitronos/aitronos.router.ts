import express, { type Router } from 'express';
import type { InterfaceContext } from '../shared/gateway-interface';
import { contractValidator, REQUEST_BODY_LIMIT } from '../shared/openapi';
import { principalOf } from '../shared/principal';
import { aitronosAuthentication } from './aitronos.auth';
import { aitronosErrorHandler } from './aitronos.errors';
import { aitronosOAuthRouter } from './aitronos.oauth.router';
import { aitronosOversightRouter } from './aitronos.oversight.router';
import { fromAitronosCreate, fromAitronosListQuery, fromAitronosUpdate, toAitronosConfig, toAitronosTestResult } from './aitronos.mapper';

/** What the Aitronos router uses of the interface context (the per-key limit is optional in tests). */
export type AitronosDeps = Pick<InterfaceContext, 'registry' | 'connections' | 'apiKeys' | 'logger' | 'validateResponses' | 'approvals' | 'audit' | 'oauth'> &
  Partial<Pick<InterfaceContext, 'afterAuthentication'>>;

/** `/v1`: authenticate, read the body, validate against schemas/aitronos.openapi.yaml, translate, call the core. */
export function aitronosRouter(deps: AitronosDeps): Router {
  const router = express.Router();
  const { registry } = deps;
  // The key first, then the body: a caller without a valid key gets 401 (and counts as a failed
  // authentication) whatever it sends, and its body is never parsed.
  router.use(aitronosAuthentication(deps.apiKeys));
  if (deps.afterAuthentication?.length) router.use(...deps.afterAuthentication);
  router.use(express.json({ limit: REQUEST_BODY_LIMIT }));
  router.use(contractValidator('aitronos', deps.validateResponses));

  router.get('/mcp-configurations', async (req, res) => {
    const { items, total } = await registry.list(principalOf(res), fromAitronosListQuery(req.query));
    res.json({ configurations: items.map(toAitronosConfig), total });
  });

  router.post('/mcp-configurations', async (req, res) => {
    const server = await registry.create(principalOf(res), fromAitronosCreate(req.body));
    res.status(201).json(toAitronosConfig(server));
  });

  router.get('/mcp-configurations/:config_id', async (req, res) => {
    res.json(toAitronosConfig(await registry.get(principalOf(res), req.params.config_id)));
  });

  const update: express.RequestHandler = async (req, res) => {
    const server = await registry.update(principalOf(res), String(req.params.config_id), fromAitronosUpdate(req.body));
    res.json(toAitronosConfig(server));
  };
  router.put('/mcp-configurations/:config_id', update);
  router.patch('/mcp-configurations/:config_id', update);

  router.delete('/mcp-configurations/:config_id', async (req, res) => {
    await registry.delete(principalOf(res), req.params.config_id);
    res.status(204).end();
  });

  router.post('/mcp-configurations/:config_id/test', async (req, res) => {
    const { server, outcome } = await deps.connections.test(principalOf(res), req.params.config_id);
    res.json(toAitronosTestResult(server, outcome));
  });

  router.use(aitronosOAuthRouter(deps.oauth));
  router.use(aitronosOversightRouter(deps.approvals, deps.audit));

  router.use(aitronosErrorHandler(deps.logger));
  return router;
}
