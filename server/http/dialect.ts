import type { Request } from 'express';
import { interfaceOf } from '../interfaces';

/** Which interface a request speaks, by its mount path: what metrics and logs label it with. */
export function dialectOf(path: string): string {
  return interfaceOf(path).name;
}

/** The matched route template (`/v1/mcp-configurations/:config_id`), never the raw path with ids. */
export function routeOf(req: Request): string {
  const route = req.route as { path?: string } | undefined;
  return route?.path ? `${req.baseUrl}${route.path}` : 'unmatched';
}
