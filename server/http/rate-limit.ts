import type { RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { KnexRateLimitCounter } from '../../core/store/rate-limit.knex-store';
import { principalOf } from '../../adapters/shared/principal';
import type { Problem } from '../../adapters/shared/problem';

const WINDOW_MS = 60_000;

/** Makes the store of one dialect's limiter; each limiter needs its own (express-rate-limit insists). */
export type StoreFactory = (dialect: string) => Store;

/**
 * The database counts for every instance (PostgreSQL); express-rate-limit's fields map onto it.
 * Each dialect's limiter gets its own store whose counters carry the dialect as a prefix.
 */
export function sharedStore(counter: KnexRateLimitCounter): StoreFactory {
  return (dialect) => ({
    prefix: `${dialect}:`,
    increment: async (key) => {
      const { hits, resetAt } = await counter.hit(`${dialect}:${key}`);
      return { totalHits: hits, resetTime: new Date(resetAt) };
    },
    decrement: (key) => counter.undo(`${dialect}:${key}`),
    resetKey: (key) => counter.reset(`${dialect}:${key}`),
  });
}

/**
 * The limit per API key, mounted after authentication: it counts the key that was verified, so
 * a stream of made-up keys can neither slip past it nor fill its store with one counter each.
 * Answered with 429 in the dialect's envelope, with `Retry-After` and the standard
 * `RateLimit` / `RateLimit-Policy` headers.
 */
export function perKeyLimiter(perMinute: number, store: Store | undefined, send: (res: Response, problem: Problem) => void): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (_req, res) => `key:${principalOf(res).keyId}`,
    ...(store ? { store } : {}),
    // A counter that cannot be reached must not take the API down with it.
    passOnStoreError: true,
    handler: (_req, res) => {
      const retryAfter = res.getHeader('Retry-After');
      send(res, { kind: 'RATE_LIMITED', detail: `Rate limit of ${perMinute} requests per minute exceeded; retry after ${retryAfter ?? 60} seconds` });
    },
  });
}

/**
 * Failed authentications per client address (IPv6 grouped by /56, as express-rate-limit does),
 * mounted before authentication. Only answers that end as 401 count, when they end; an address
 * at the limit is refused with 429 before any key is looked up. Written here rather than with
 * express-rate-limit, whose `skipSuccessfulRequests` counts every request while it runs (five
 * good requests at once from one address would be refused at a limit of three) and counts a
 * request the client abandoned. Counted in this process's memory: a guard against floods,
 * bounded by the addresses that failed within the last minute.
 */
export function authFailureLimiter(perMinute: number, send: (res: Response, problem: Problem) => void): RequestHandler {
  const failures = new Map<string, { count: number; resetAt: number }>();
  setInterval(() => {
    const now = Date.now();
    for (const [address, entry] of failures) if (entry.resetAt <= now) failures.delete(address);
  }, WINDOW_MS).unref();
  return (req, res, next) => {
    const address = ipKeyGenerator(req.ip ?? '0.0.0.0');
    const entry = failures.get(address);
    if (entry && entry.resetAt > Date.now() && entry.count >= perMinute) {
      const retryAfter = Math.max(1, Math.ceil((entry.resetAt - Date.now()) / 1000));
      res.setHeader('Retry-After', String(retryAfter));
      send(res, {
        kind: 'RATE_LIMITED',
        detail: `More than ${perMinute} failed authentications per minute from this address; retry after ${retryAfter} seconds`,
      });
      return;
    }
    res.once('finish', () => {
      if (res.statusCode !== 401) return;
      const now = Date.now();
      const current = failures.get(address);
      if (current && current.resetAt > now) current.count += 1;
      else failures.set(address, { count: 1, resetAt: now + WINDOW_MS });
    });
    next();
  };
}
