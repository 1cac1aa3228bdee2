import { aitronosInterface } from '../adapters/aitronos/aitronos.interface';
import { consoleInterface } from '../adapters/console/console.interface';
import { mcpInterface } from '../adapters/mcp/mcp.interface';
import { registryInterface } from '../adapters/registry/registry.interface';
import { oauthInterface } from '../adapters/oauth/oauth.interface';
import { operationsInterface } from '../adapters/operations/operations.interface';
import type { GatewayInterface } from '../adapters/shared/gateway-interface';
import { zuduInterface } from '../adapters/zudu/zudu.interface';

/**
 * Every interface the gateway serves: the one list the app mounts, the CLI issues keys for,
 * /docs publishes and logs and metrics label requests by. Adding a dialect is one line here.
 */
export const INTERFACES: readonly GatewayInterface[] = [
  aitronosInterface,
  zuduInterface,
  mcpInterface,
  oauthInterface,
  consoleInterface,
  registryInterface,
  operationsInterface,
];

/** Longest mount path first, so a more specific prefix (`/v1/convai`) is never shadowed by `/v1`. */
export const bySpecificity = (list: readonly GatewayInterface[]): GatewayInterface[] => [...list].sort((a, b) => b.mountPath.length - a.mountPath.length);

const BY_MOUNT_SPECIFICITY = bySpecificity(INTERFACES);

/**
 * The interface of a list sorted by `bySpecificity` whose mount path a request path falls under
 * (operations otherwise). Callers sort once, not per request.
 */
export function interfaceIn(sorted: readonly GatewayInterface[], path: string): GatewayInterface {
  return sorted.find((i) => i.mountPath === '/' || path === i.mountPath || path.startsWith(`${i.mountPath}/`)) ?? operationsInterface;
}

/** The interface of the gateway's list whose mount path a request path falls under. */
export const interfaceOf = (path: string): GatewayInterface => interfaceIn(BY_MOUNT_SPECIFICITY, path);

/** The interfaces that issue and accept gateway keys, by name. */
export function keyedInterface(name: string): GatewayInterface | undefined {
  return INTERFACES.find((i) => i.keyFormat !== null && i.name === name);
}
