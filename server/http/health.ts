import express, { type Router } from 'express';
import type { Knex } from 'knex';
import { migrationsAreCurrent } from '../../core/store/database';

/**
 * `/healthz`: the process answers. `/readyz`: the database answers and its schema is current,
 * and the process is not shutting down; 503 otherwise, so a load balancer stops sending.
 */
export function healthRouter(knex: Knex, isShuttingDown: () => boolean): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (isShuttingDown()) return void res.status(503).json({ status: 'not ready', reason: 'shutting down' });
    try {
      await knex.raw('select 1');
      if (!(await migrationsAreCurrent(knex))) return void res.status(503).json({ status: 'not ready', reason: 'database migrations are not current' });
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'not ready', reason: 'database unreachable' });
    }
  });
  return router;
}
