import type { Request, RequestHandler } from 'express';

/** Whether what is left of a body could be longer than `maxBytes` (chunked bodies declare no length). */
function mayExceed(req: Request, maxBytes: number): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  return Number(req.headers['content-length'] ?? 0) > maxBytes;
}

/**
 * Bounds what is read of a body nobody read. A request answered before its body was parsed (a
 * 401, a 429) still has that body on the wire. Node reads and discards it so the connection can
 * carry the next request: fine for a body no larger than `maxBytes` (what an authenticated caller
 * may send anyway); a larger or chunked one gets `Connection: close` instead, and Node closes the
 * connection after the answer without reading on, so a caller without a key cannot make the
 * gateway read without end.
 */
export function limitUnreadBody(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const writeHead = res.writeHead;
    // Every answer passes through writeHead (res.end calls it when nothing was written yet).
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      if (!req.complete && mayExceed(req, maxBytes)) this.setHeader('Connection', 'close');
      return writeHead.apply(this, args);
    } as typeof writeHead;
    next();
  };
}
