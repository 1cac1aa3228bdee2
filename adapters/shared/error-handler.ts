import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { toProblem, type Problem } from './problem';
import { requestIdOf } from './request-id';

/**
 * The last middleware of a dialect: classifies any error, logs the unexpected ones (never
 * request bodies or headers, which may carry credentials, nor a database error's SQL and
 * values), and lets the dialect render it.
 */
export function dialectErrorHandler(logger: Logger, render: (res: Response, problem: Problem) => void): ErrorRequestHandler {
  return (error, req: Request, res: Response, _next) => {
    const problem = toProblem(error);
    if (problem.kind === 'INTERNAL') {
      // The logger's `err` serializer decides what of the error is written (server/logger.ts).
      logger.error({ requestId: requestIdOf(res), method: req.method, route: req.route?.path ?? req.baseUrl, err: error }, 'unexpected error');
    }
    if (!res.headersSent) render(res, problem);
  };
}
