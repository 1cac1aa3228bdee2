import express, { type Request, type Response, type Router } from 'express';
import { ValidationError } from '../../core/errors';
import { APPROVAL_STATUSES, type ApprovalStatus } from '../../core/model/approval';
import { SORT_FIELDS, type SortField } from '../../core/model/input';
import type { Principal } from '../../core/model/principal';
import { dialectErrorHandler } from '../shared/error-handler';
import type { InterfaceContext } from '../shared/gateway-interface';
import { REQUEST_BODY_LIMIT_BYTES } from '../shared/openapi';
import { principalOf } from '../shared/principal';
import { sendConsoleError } from './console.errors';
import { clearSessionCookie, consoleAuthentication, sameOrigin, sessionToken, setSessionCookie } from './console.session';
import {
  approvalView,
  auditView,
  principalView,
  readDecision,
  readNewServer,
  readSecretValue,
  readServerPatch,
  readSignIn,
  secretView,
  serverDetail,
  serverSummary,
  testOutcome,
} from './console.views';

type Query = Record<string, unknown>;

function text(query: Query, key: string, max = 1000): string | undefined {
  const v = query[key];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max) throw new ValidationError(key, `${key} must be one value of at most ${max} characters`);
  return v;
}

function integer(query: Query, key: string, min: number, max: number, fallback: number): number {
  const v = text(query, key, 20);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ValidationError(key, `${key} must be a whole number from ${min} to ${max}`);
  return Number(v);
}

function choice<T extends string>(query: Query, key: string, allowed: readonly T[]): T | undefined {
  const v = text(query, key);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) throw new ValidationError(key, { rule: 'one_of', allowed });
  return v as T | undefined;
}

function instant(query: Query, key: string): number | undefined {
  const v = text(query, key, 40);
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new ValidationError(key, `${key} must be a date and time (ISO 8601)`);
  return ms;
}

/** The organization a request acts in: the one it names, else the key's first. The core checks membership. */
const organizationOf = (principal: Principal, query: Query): string => text(query, 'organizationId', 255) ?? principal.organizationIds[0]!;

/** The console's JSON API under /console/api: sessions, and the core's use cases for the signed-in key. */
export function consoleApiRouter(context: InterfaceContext): Router {
  const { consoleSessions, registry, connections, approvals, audit, secrets, keyFormats } = context;
  const router = express.Router();
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(sameOrigin);
  // Bodies are read only once the caller is known (sign-in excepted, which reads the key).
  const json = express.json({ limit: REQUEST_BODY_LIMIT_BYTES, strict: true, type: () => true });

  // Sign-in: a key of either dialect for a session cookie. Failed attempts count toward the
  // per-address limit on failed authentications, as a wrong key on any API does.
  router.post('/session', json, async (req: Request, res: Response) => {
    if (!req.is('application/json')) throw new ValidationError('body', 'Send the sign-in as application/json');
    // A new sign-in ends the browser's previous session, if it had one.
    await consoleSessions.close(sessionToken(req));
    const opened = await consoleSessions.open(keyFormats, readSignIn(req.body));
    setSessionCookie(req, res, opened.token, opened.expiresAt);
    res.status(201).json({ csrfToken: opened.csrfToken, expiresAt: opened.expiresAt, principal: principalView(opened.principal) });
  });
  // Who the page is signed in as, and its CSRF token (the console's own origin alone can read it).
  router.get('/session', async (req: Request, res: Response) => {
    const session = await consoleSessions.resume(sessionToken(req));
    res.json({ csrfToken: session.csrfToken, expiresAt: session.expiresAt, principal: principalView(session.principal) });
  });
  router.delete('/session', async (req: Request, res: Response) => {
    await consoleSessions.close(sessionToken(req));
    clearSessionCookie(req, res);
    res.status(204).end();
  });

  router.use(consoleAuthentication(consoleSessions), ...context.afterAuthentication, json);

  router.get('/servers', async (req, res) => {
    const principal = principalOf(res);
    const q = req.query as Query;
    const limit = integer(q, 'limit', 1, 100, 25);
    const { items, total } = await registry.list(principal, {
      organizationId: organizationOf(principal, q),
      search: text(q, 'search', 255),
      sort: choice<SortField>(q, 'sort', SORT_FIELDS),
      order: choice(q, 'order', ['asc', 'desc'] as const),
      limit,
      offset: integer(q, 'offset', 0, 1_000_000, 0),
    });
    res.json({ items: items.map(serverSummary), total });
  });
  router.post('/servers', async (req, res) => {
    res.status(201).json(serverDetail(await registry.create(principalOf(res), readNewServer(req.body))));
  });
  router.get('/servers/:id', async (req, res) => {
    res.json(serverDetail(await registry.get(principalOf(res), req.params.id as string)));
  });
  router.patch('/servers/:id', async (req, res) => {
    res.json(serverDetail(await registry.update(principalOf(res), req.params.id as string, readServerPatch(req.body))));
  });
  router.delete('/servers/:id', async (req, res) => {
    await registry.delete(principalOf(res), req.params.id as string);
    res.status(204).end();
  });
  router.post('/servers/:id/test', async (req, res) => {
    const { server, outcome } = await connections.test(principalOf(res), req.params.id as string);
    res.json(testOutcome(outcome, server));
  });

  router.get('/approvals', async (req, res) => {
    const principal = principalOf(res);
    const q = req.query as Query;
    const { items, total } = await approvals.list(principal, {
      organizationId: organizationOf(principal, q),
      status: choice<ApprovalStatus>(q, 'status', APPROVAL_STATUSES),
      limit: integer(q, 'limit', 1, 100, 50),
      offset: integer(q, 'offset', 0, 1_000_000, 0),
    });
    res.json({ items: items.map(approvalView), total });
  });
  router.post('/approvals/:id/decision', async (req, res) => {
    const principal = principalOf(res);
    const id = req.params.id as string;
    const { decision, reason } = readDecision(req.body);
    const decided =
      decision === 'deny' ? await approvals.deny(principal, id, reason) : await approvals.approve(principal, id, { always: decision === 'approve_always' });
    res.json(approvalView(decided));
  });

  router.get('/audit', async (req, res) => {
    const principal = principalOf(res);
    const q = req.query as Query;
    const { items, total } = await audit.list(principal, {
      organizationId: organizationOf(principal, q),
      action: text(q, 'action', 100),
      actor: text(q, 'actor', 255),
      targetId: text(q, 'targetId', 255),
      since: instant(q, 'since'),
      until: instant(q, 'until'),
      limit: integer(q, 'limit', 1, 200, 50),
      offset: integer(q, 'offset', 0, 10_000_000, 0),
    });
    res.json({ items: items.map(auditView), total });
  });
  router.get('/audit/verify', async (req, res) => {
    const principal = principalOf(res);
    res.json(await audit.verifyFor(principal, organizationOf(principal, req.query as Query)));
  });

  router.get('/secrets', async (req, res) => {
    const principal = principalOf(res);
    res.json({ items: (await secrets.list(principal, organizationOf(principal, req.query as Query))).map(secretView) });
  });
  router.post('/secrets', async (req, res) => {
    const principal = principalOf(res);
    const input = readSecretValue(req.body);
    const organizationId = input.organizationId || principal.organizationIds[0]!;
    res.status(201).json(secretView(await secrets.create(principal, organizationId, { name: input.name ?? '', value: input.value })));
  });
  // Rotation: a new value, never the old one shown.
  router.put('/secrets/:id', async (req, res) => {
    const principal = principalOf(res);
    const input = readSecretValue(req.body);
    const organizationId = input.organizationId || principal.organizationIds[0]!;
    res.json(secretView(await secrets.update(principal, organizationId, req.params.id as string, { value: input.value })));
  });
  router.delete('/secrets/:id', async (req, res) => {
    const principal = principalOf(res);
    await secrets.delete(principal, organizationOf(principal, req.query as Query), req.params.id as string);
    res.status(204).end();
  });

  router.use((_req, _res) => {
    sendConsoleError(_res, { kind: 'ROUTE_NOT_FOUND', detail: 'No such console route' });
  });
  router.use(dialectErrorHandler(context.logger, sendConsoleError));
  return router;
}
