import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { plainErrorBody } from './operations.errors';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * `GET /metrics` behind `Authorization: Bearer <MCP_GATEWAY_METRICS_TOKEN>` when a token is set
 * (open otherwise, as before). Both sides are hashed first, so the comparison takes the same
 * time whatever the length or content of what was sent; neither is ever logged.
 */
export function metricsAccess(token: string | null | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const expected = digest(token);
  return (req, res, next) => {
    const sent = /^Bearer ([\x21-\x7e]+)$/i.exec(req.get('authorization') ?? '')?.[1];
    if (sent !== undefined && timingSafeEqual(digest(sent), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    res.status(401).json(plainErrorBody('AUTHENTICATION_REQUIRED', 'GET /metrics needs Authorization: Bearer <MCP_GATEWAY_METRICS_TOKEN>'));
  };
}
