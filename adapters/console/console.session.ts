import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthenticationRequired, CoreError } from '../../core/errors';
import type { ConsoleSessions } from '../../core/services/console-sessions';

/** Scoped to the console: no other route of the gateway ever receives it. */
export const SESSION_COOKIE = 'mcpgw_console';
export const CSRF_HEADER = 'x-csrf-token';
const COOKIE_PATH = '/console';

class CsrfRefused extends CoreError {
  constructor(message: string) {
    super('INSUFFICIENT_PERMISSIONS', message);
  }
}

/**
 * The session cookie's value, read by hand: one cookie, one name, no other parsing needed. Two
 * cookies of that name mean someone else planted one (a sibling subdomain, a longer path): no
 * session, rather than perhaps theirs.
 */
export function sessionToken(req: Request): string | undefined {
  const values: string[] = [];
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) values.push(part.slice(eq + 1).trim());
  }
  return values.length === 1 && values[0] ? values[0] : undefined;
}

/** HTTP-only (no script reads it), SameSite=Strict (no other site's page sends it), Secure over TLS. */
export function setSessionCookie(req: Request, res: Response, token: string, expiresAt: number): void {
  res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: COOKIE_PATH, expires: new Date(expiresAt) });
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: COOKIE_PATH });
}

/**
 * A request from another origin is refused whatever it carries: browsers send `Origin` on every
 * cross-origin request and on same-origin requests other than GET/HEAD.
 */
export const sameOrigin: RequestHandler = (req, _res, next) => {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== `${req.protocol}://${req.get('host')}`)
    throw new CsrfRefused('The console answers its own pages only: this request came from another origin');
  next();
};

/**
 * Resumes the session and puts its principal on res.locals. Every request must also carry the
 * session's CSRF token in `X-CSRF-Token`, reads included: a custom header cannot be sent by
 * another site's form or image, and nothing is answered without it.
 */
export function consoleAuthentication(sessions: ConsoleSessions): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = sessionToken(req);
    if (!token) throw new AuthenticationRequired('Sign in to the console first');
    const session = await sessions.resume(token);
    if (!session.csrfMatches(req.get(CSRF_HEADER))) throw new CsrfRefused('The console request lacks its CSRF token (X-CSRF-Token); reload the page');
    res.locals.principal = session.principal;
    next();
  };
}
