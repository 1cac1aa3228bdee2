import express, { type Router } from 'express';

/**
 * Why the gateway cannot serve now (the database does not answer, its schema is behind), or null
 * when it can. The composition root supplies it, so this router knows no store.
 */
export type ReadinessCheck = () => Promise<string | null>;

/**
 * `/healthz`: the process answers. `/readyz`: the database answers and its schema is current,
 * and the process is not shutting down; 503 otherwise, so a load balancer stops sending.
 */
export function healthRouter(readiness: ReadinessCheck, isShuttingDown: () => boolean): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (isShuttingDown()) return void res.status(503).json({ status: 'not ready', reason: 'shutting down' });
    const reason = await readiness();
    if (reason !== null) return void res.status(503).json({ status: 'not ready', reason });
    res.json({ status: 'ready' });
  });
  return router;
}
