import express, { type Router } from 'express';
import { GatewayBusy, UpstreamFailure } from '../../core/errors';
import type { ConnectionTester } from '../../core/services/connection-tester';
import type { OAuthConnections } from '../../core/services/oauth-connections';
import type { ServerRegistry } from '../../core/services/server-registry';
import { checkServerUrl } from '../../core/services/url-check';
import { principalOf } from '../shared/principal';
import { zuduOrganization } from './zudu.auth';
import { sendZudu } from './zudu.envelope';
import { toZuduUrlCheck } from './zudu.url-check';
import {
  fromZuduCreate,
  fromZuduListQuery,
  fromZuduPatch,
  fromZuduToolApproval,
  toCoreQuery,
  toZuduApprovalPolicy,
  toZuduLiveTools,
  toZuduPage,
  toZuduServer,
  toZuduServerDetail,
  toZuduToolApproval,
  unwrapZuduPatch,
} from './zudu.mapper';

/** `/api/mcp-servers`: thin handlers from the Zudu shapes to the registry and back. */
export function zuduServersRouter(registry: ServerRegistry, connections: ConnectionTester, oauth: OAuthConnections): Router {
  const router = express.Router();

  router.post('/mcp-servers', async (req, res) => {
    const principal = principalOf(res);
    const server = await registry.create(principal, fromZuduCreate(req.body.config, zuduOrganization(principal)));
    sendZudu(res, 'MCP server created successfully', toZuduServer(server));
  });

  router.get('/mcp-servers', async (req, res) => {
    const principal = principalOf(res);
    const query = fromZuduListQuery(req.query);
    const { items, total } = await registry.list(principal, toCoreQuery(query, zuduOrganization(principal)));
    sendZudu(res, 'MCP servers retrieved successfully', toZuduPage(query, items, total));
  });

  router.post('/mcp-servers/validate-url', async (req, res) => {
    const principal = principalOf(res);
    const check = await checkServerUrl({ registry, connections }, principal, zuduOrganization(principal), String(req.body.url));
    sendZudu(res, 'URL validation completed', toZuduUrlCheck(check));
  });

  router.get('/mcp-servers/:id', async (req, res) => {
    sendZudu(res, 'MCP server retrieved successfully', toZuduServerDetail(await registry.get(principalOf(res), req.params.id)));
  });

  router.patch('/mcp-servers/:id', async (req, res) => {
    const server = await registry.update(principalOf(res), req.params.id, fromZuduPatch(unwrapZuduPatch(req.body)));
    sendZudu(res, 'MCP server updated successfully', toZuduServerDetail(server));
  });

  router.delete('/mcp-servers/:id', async (req, res) => {
    await registry.delete(principalOf(res), req.params.id);
    sendZudu(res, 'MCP server deleted successfully', { id: req.params.id, deleted: true });
  });

  router.get('/mcp-servers/:id/tools', async (req, res) => {
    const { server, outcome } = await connections.test(principalOf(res), req.params.id);
    // A test that never started says nothing about the server: busy, not a connection failure.
    if (outcome.failure?.reason.kind === 'busy') {
      res.setHeader('Retry-After', '1');
      throw new GatewayBusy(outcome.failure.message);
    }
    if (outcome.failure) throw new UpstreamFailure(outcome.failure);
    sendZudu(res, 'MCP server tools retrieved successfully', toZuduLiveTools(server, outcome.tools ?? []));
  });

  router.post('/mcp-servers/:id/oauth/connect', async (req, res) => {
    const body = (req.body ?? {}) as { scope?: string };
    const started = await oauth.connect(principalOf(res), req.params.id, { scope: body.scope });
    sendZudu(res, 'OAuth consent started', {
      authorization_url: started.authorizationUrl,
      expires_at: started.expiresAt,
      issuer: started.issuer,
      scope: started.scope,
      per_user: started.subject.kind === 'user',
      client_registration: started.clientSource,
    });
  });

  router.get('/mcp-servers/:id/oauth', async (req, res) => {
    const view = await oauth.status(principalOf(res), req.params.id);
    sendZudu(res, 'OAuth connection retrieved successfully', {
      per_user: view.perUser,
      connected: view.connected,
      status: view.status,
      status_reason: view.statusReason,
      issuer: view.issuer,
      scope: view.scope,
      needed_scope: view.neededScope,
      access_token_expires_at: view.accessExpiresAt,
      connected_at: view.connectedAt,
    });
  });

  router.delete('/mcp-servers/:id/oauth', async (req, res) => {
    const { revoked } = await oauth.disconnect(principalOf(res), req.params.id);
    sendZudu(res, 'OAuth connection removed', { id: req.params.id, disconnected: true, revoked });
  });

  router.patch('/mcp-servers/:id/approval-policy', async (req, res) => {
    const server = await registry.update(principalOf(res), req.params.id, { approvalPolicy: req.body.approval_policy });
    sendZudu(res, 'Approval policy updated successfully', toZuduApprovalPolicy(server));
  });

  router.post('/mcp-servers/:id/tool-approvals', async (req, res) => {
    const { server, approval } = await registry.addToolApproval(principalOf(res), req.params.id, fromZuduToolApproval(req.body));
    sendZudu(res, 'Tool approval added successfully', toZuduToolApproval(server, approval));
  });

  router.delete('/mcp-servers/:id/tool-approvals/:tool_name', async (req, res) => {
    const server = await registry.removeToolApproval(principalOf(res), req.params.id, req.params.tool_name);
    sendZudu(res, 'Tool approval removed successfully', toZuduServerDetail(server));
  });

  return router;
}
