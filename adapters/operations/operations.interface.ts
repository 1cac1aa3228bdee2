import express from 'express';
import type { GatewayInterface } from '../shared/gateway-interface';
import { statusOf } from '../shared/problem';
import { docsRouter } from './docs.router';
import { healthRouter } from './health.router';
import { homeRouter } from './home.router';
import { metricsAccess } from './metrics-access';
import { plainErrorBody } from './operations.errors';

/**
 * What an operator needs, outside every dialect's authentication: /healthz, /readyz, /metrics,
 * /openapi/<name>.json and /docs. Mounted at `/`, so it comes after every dialect.
 */
export const operationsInterface: GatewayInterface = {
  name: 'ops',
  mountPath: '/',
  keyFormat: null,
  contract: null,
  router({ operations }) {
    const router = express.Router();
    router.use(homeRouter(operations.entryPoints, operations.contracts));
    router.use(healthRouter(operations.readiness, operations.isShuttingDown));
    router.get('/metrics', metricsAccess(operations.metricsToken), async (_req, res) => {
      res.type(operations.metrics.contentType).send(await operations.metrics.render());
    });
    router.use(docsRouter(operations.contracts));
    return router;
  },
  // Plain JSON, the statuses of the one table (no contract here, so no validation failures).
  errorBody: (problem) => ({ status: statusOf(problem.kind), body: plainErrorBody(problem.kind, problem.detail) }),
  sendError: (res, problem) => void res.status(statusOf(problem.kind)).json(plainErrorBody(problem.kind, problem.detail)),
};
