import type { Request } from 'express';

export type DialectLabel = 'aitronos' | 'zudu' | 'ops';

/** Which API a request speaks, by its prefix: what metrics and logs label it with. */
export function dialectOf(path: string): DialectLabel {
  if (path === '/v1' || path.startsWith('/v1/')) return 'aitronos';
  if (path === '/api' || path.startsWith('/api/')) return 'zudu';
  return 'ops';
}

/** The matched route template (`/v1/mcp-configurations/:config_id`), never the raw path with ids. */
export function routeOf(req: Request): string {
  const route = req.route as { path?: string } | undefined;
  return route?.path ? `${req.baseUrl}${route.path}` : 'unmatched';
}
