import type { Response } from 'express';
import { type Problem, statusOf } from '../shared/problem';
import { requestIdOf } from '../shared/request-id';

/**
 * Errors outside JSON-RPC (authentication, not found, inactive, rate limit, payload size) are
 * plain HTTP statuses with a JSON body, as MCP clients expect; a 401 carries `WWW-Authenticate`.
 * Another organization answers like one that does not exist, as another organization's server does.
 */
export function mcpErrorBody(problem: Problem, requestId: string): { status: number; body: unknown } {
  const hidden = problem.kind === 'ORGANIZATION_ACCESS_DENIED';
  const kind = hidden ? 'NOT_FOUND' : problem.kind;
  const detail = hidden ? 'No such organization for this key' : problem.detail;
  return { status: statusOf(kind), body: { error: { code: kind, message: detail, request_id: requestId } } };
}

export function sendMcpError(res: Response, problem: Problem): void {
  if (res.headersSent) return void res.end();
  const { status, body } = mcpErrorBody(problem, requestIdOf(res));
  if (status === 401) {
    const invalid = problem.kind === 'INVALID_API_KEY' ? ', error="invalid_token"' : '';
    res.setHeader('WWW-Authenticate', `Bearer realm="mcp-gateway"${invalid}`);
  }
  res.status(status).json(body);
}

/**
 * How deep an agent's message may nest, the bound the gateway holds upstream answers to: deeper
 * JSON is refused before the SDK (whose validation recurses) or anything else walks it.
 */
export const MAX_MESSAGE_DEPTH = 128;

export const TOO_DEEP: Problem = {
  kind: 'MALFORMED_REQUEST',
  detail: `The message nests JSON deeper than ${MAX_MESSAGE_DEPTH} levels`,
};

/** A JSON-RPC batch, refused as a whole before any of its messages is read. */
export const BATCH_REFUSED: Problem = {
  kind: 'MALFORMED_REQUEST',
  detail: 'JSON-RPC batches are not accepted: send one message per request (MCP 2025-06-18 removed batching)',
};
