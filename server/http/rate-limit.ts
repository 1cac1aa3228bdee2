import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import type { KnexRateLimitCounter } from '../../core/store/rate-limit.knex-store';
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
 * Per key: the presented API key (Aitronos `X-API-Key` or bearer, Zudu `X-API-KEY`), hashed so
 * no key is kept in memory or written to the counters; requests without one count per client IP.
 */
function keyOf(req: Request): string {
  const presented = req.get('x-api-key') ?? /^Bearer\s+(\S+)/i.exec(req.get('authorization') ?? '')?.[1];
  if (presented) return `key:${createHash('sha256').update(presented).digest('hex')}`;
  return `ip:${ipKeyGenerator(req.ip ?? '0.0.0.0')}`;
}

/**
 * The rate limit for one dialect: answered with 429 in that dialect's envelope, with
 * `Retry-After` and the standard `RateLimit` / `RateLimit-Policy` headers.
 */
export function rateLimiter(perMinute: number, store: Store | undefined, send: (res: Response, problem: Problem) => void): RequestHandler {
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: keyOf,
    ...(store ? { store } : {}),
    // A counter that cannot be reached must not take the API down with it.
    passOnStoreError: true,
    handler: (_req, res) => {
      const retryAfter = res.getHeader('Retry-After');
      send(res, { kind: 'RATE_LIMITED', detail: `Rate limit of ${perMinute} requests per minute exceeded; retry after ${retryAfter ?? 60} seconds` });
    },
  });
}
