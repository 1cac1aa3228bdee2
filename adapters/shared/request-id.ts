import { randomUUID } from 'node:crypto';
import type { Response } from 'express';

/** The request's id (set by the operations layer); a new one for a response outside it. */
export function requestIdOf(res: Response): string {
  return (res.locals.requestId as string | undefined) ?? randomUUID();
}
