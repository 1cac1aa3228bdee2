import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import type { GatewayInterface } from '../shared/gateway-interface';
import { consoleApiRouter } from './console.router';
import { consoleErrorBody, sendConsoleError } from './console.errors';

/**
 * No inline script or style, no other origin, no frames: the page runs only its own files and
 * talks only to its own origin. Anything a tenant or an upstream wrote is put on the page as
 * text (console.js never assigns HTML), and this policy stops what a mistake would let through.
 */
export const CONSOLE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The page's three files, read once at start-up; served from dist/ after `npm run build` copies them. */
const ASSETS = new Map<string, { body: Buffer; type: string }>(
  (
    [
      ['/', 'index.html', 'text/html; charset=utf-8'],
      ['/assets/console.js', 'console.js', 'application/javascript; charset=utf-8'],
      ['/assets/console.css', 'console.css', 'text/css; charset=utf-8'],
    ] as const
  ).map(([path, file, type]) => [path, { body: readFileSync(join(__dirname, 'public', file)), type }]),
);

/**
 * The operator console at /console: a page for people over the same core use cases and rules as
 * both dialects, signed in with a gateway key of either dialect (exchanged for a session cookie,
 * so the key never sits in the page), with its JSON API under /console/api.
 */
export const consoleInterface: GatewayInterface = {
  name: 'console',
  mountPath: '/console',
  entryPoint: { rel: 'console', href: '/console/', title: 'Operator console (sign in with a gateway key)' },
  keyFormat: null,
  // Sign-in takes gateway keys: failed attempts count per address, and each session's key has its per-key limit.
  acceptsGatewayKeys: true,
  contract: null,
  router(context) {
    const router = express.Router();
    router.use('/api', consoleApiRouter(context));
    router.get(['/', '/assets/console.js', '/assets/console.css'], (req, res, next) => {
      // Express matches routes without regard to case or a trailing slash; only the exact paths are files.
      const asset = ASSETS.get(req.path);
      if (!asset) return next();
      res.set({ 'Content-Security-Policy': CONSOLE_CSP, 'Cache-Control': 'no-cache', 'Referrer-Policy': 'no-referrer' });
      res.type(asset.type).send(asset.body);
    });
    router.use((_req, res) => sendConsoleError(res, { kind: 'ROUTE_NOT_FOUND', detail: 'No such console page' }));
    return router;
  },
  errorBody: (problem) => consoleErrorBody(problem),
  sendError: sendConsoleError,
};
