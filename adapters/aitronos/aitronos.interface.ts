import type { GatewayInterface } from '../shared/gateway-interface';
import { aitronosErrorBody, sendAitronosError } from './aitronos.errors';
import { AITRONOS_KEY_FORMAT } from './aitronos.keys';
import { aitronosRouter } from './aitronos.router';

/** The Aitronos dialect: `/v1/mcp-configurations`, `ak_…` keys, schemas/aitronos.openapi.yaml. */
export const aitronosInterface: GatewayInterface = {
  name: 'aitronos',
  mountPath: '/v1',
  entryPoint: { rel: 'aitronos', href: '/v1/mcp-configurations', title: 'Aitronos dialect API (X-API-Key)' },
  keyFormat: AITRONOS_KEY_FORMAT,
  contract: { title: 'Aitronos dialect (/v1)' },
  router: aitronosRouter,
  errorBody: aitronosErrorBody,
  sendError: sendAitronosError,
};
