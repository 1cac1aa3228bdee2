import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** Honours a well-formed incoming X-Request-Id, else makes one; echoes it on the response. */
export function requestId(req: Request, res: Response, next: NextFunction): void {
  const incoming = req.get('x-request-id');
  const id = incoming && WELL_FORMED.test(incoming) ? incoming : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
}

export function requestIdOf(res: Response): string {
  return (res.locals.requestId as string | undefined) ?? randomUUID();
}
