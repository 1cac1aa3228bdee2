import type { Request } from 'express';
import type { GatewayInterface } from '../../adapters/shared/gateway-interface';
import { bySpecificity, interfaceIn } from '../interfaces';

/** Names the interface a request path falls under: the label logs and metrics carry. */
export type InterfaceLabeller = (path: string) => string;

/** The labeller for the interfaces actually mounted (`ops` for paths under none of them). */
export function labellerFor(interfaces: readonly GatewayInterface[]): InterfaceLabeller {
  const sorted = bySpecificity(interfaces);
  return (path) => interfaceIn(sorted, path).name;
}

/**
 * The matched route template (`/v1/mcp-configurations/:config_id`), never the raw path with ids.
 * A router mounted under a path with parameters (`/registry/:org_id/…`) names its own template
 * in `res.locals.routeTemplate`: Express's `baseUrl` holds the values, not the pattern.
 */
export function routeOf(req: Request): string {
  const template = req.res?.locals.routeTemplate;
  if (typeof template === 'string') return template;
  const route = req.route as { path?: string } | undefined;
  return route?.path ? `${req.baseUrl}${route.path}` : 'unmatched';
}
