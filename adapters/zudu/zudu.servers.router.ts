import express, { type Router } from 'express';
import { GatewayBusy, UpstreamFailure } from '../../core/errors';
import type { ConnectionTester } from '../../core/services/connection-tester';
import type { ServerRegistry } from '../../core/services/server-registry';
import { principalOf } from '../shared/principal';
import { zuduOrganization } from './zudu.auth';
import { sendZudu } from './zudu.envelope';
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
export function zuduServersRouter(registry: ServerRegistry, connections: ConnectionTester): Router {
  const router = express.Router();

  router.post('/mcp-servers', async (req, res) => {
    res.locals.zuduFieldPrefix = 'config.';
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
    const url = String(req.body.url);
    const { formatValid, duplicates } = await registry.inspectUrl(principal, zuduOrganization(principal), url);
    const recommendations: string[] = [];
    if (!formatValid) recommendations.push('Use an absolute http:// or https:// URL of at most 1000 characters, without a user name or password');
    if (formatValid && /^http:/i.test(url.trim())) recommendations.push('Prefer https:// so that credentials sent to the server are encrypted in transit');
    if (duplicates > 0) recommendations.push(`${duplicates} MCP server(s) in this organization already use this URL`);
    let connectivity: 'skipped' | 'success' | 'failed' = 'skipped';
    if (formatValid) {
      const outcome = await connections.checkUrl(url, zuduOrganization(principal));
      connectivity = outcome.success ? 'success' : 'failed';
      if (outcome.failureClass === 'auth') recommendations.push('The server requires authentication: set secret_token or request_headers when you create it');
      else if (!outcome.success) recommendations.push(`Connectivity test failed (${outcome.failureClass}): ${outcome.message}`);
    }
    sendZudu(res, 'URL validation completed', {
      valid: formatValid,
      url,
      checks: { format_valid: formatValid, is_duplicate: duplicates > 0, connectivity_test: connectivity },
      recommendations,
    });
  });

  router.get('/mcp-servers/:id', async (req, res) => {
    sendZudu(res, 'MCP server retrieved successfully', toZuduServerDetail(await registry.get(principalOf(res), req.params.id)));
  });

  router.patch('/mcp-servers/:id', async (req, res) => {
    const { config, fieldPrefix } = unwrapZuduPatch(req.body);
    res.locals.zuduFieldPrefix = fieldPrefix;
    const server = await registry.update(principalOf(res), req.params.id, fromZuduPatch(config));
    sendZudu(res, 'MCP server updated successfully', toZuduServerDetail(server));
  });

  router.delete('/mcp-servers/:id', async (req, res) => {
    await registry.delete(principalOf(res), req.params.id);
    sendZudu(res, 'MCP server deleted successfully', { id: req.params.id, deleted: true });
  });

  router.get('/mcp-servers/:id/tools', async (req, res) => {
    const { server, outcome } = await connections.test(principalOf(res), req.params.id);
    // A test that never started says nothing about the server: busy, not a connection failure.
    if (outcome.failureClass === 'busy') {
      res.setHeader('Retry-After', '1');
      throw new GatewayBusy(outcome.message);
    }
    if (!outcome.success) throw new UpstreamFailure(outcome.failureClass ?? 'protocol', outcome.message);
    sendZudu(res, 'MCP server tools retrieved successfully', toZuduLiveTools(server, outcome.tools ?? []));
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
