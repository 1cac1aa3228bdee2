import type { GatewayInterface } from '../shared/gateway-interface';
import { sendZuduError, zuduErrorBody } from './zudu.envelope';
import { ZUDU_KEY_FORMAT } from './zudu.keys';
import { zuduRouter } from './zudu.router';

/** The Zudu dialect: `/api/mcp-servers` and `/api/secrets`, `sk_…` pairs, schemas/zudu.openapi.yaml. */
export const zuduInterface: GatewayInterface = {
  name: 'zudu',
  mountPath: '/api',
  entryPoint: { rel: 'zudu', href: '/api/mcp-servers', title: 'Zudu dialect API (X-API-KEY and X-API-SECRET)' },
  keyFormat: ZUDU_KEY_FORMAT,
  contract: { title: 'Zudu dialect (/api)' },
  router: zuduRouter,
  errorBody: (problem, requestId) => zuduErrorBody(problem, requestId),
  sendError: sendZuduError,
};
