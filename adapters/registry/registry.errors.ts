import type { Response } from 'express';
import { type Problem, statusOf } from '../shared/problem';

/** The registry API's error body: `{"error": "<sentence>"}`, as its OpenAPI document gives it. */
export function registryErrorBody(problem: Problem): { status: number; body: { error: string } } {
  const status = statusOf(problem.kind, 400);
  // The core's NotFound names a server; the router words a missing version itself.
  const error =
    problem.kind === 'NOT_FOUND' && problem.cause
      ? 'Server not found'
      : problem.kind === 'INVALID_API_KEY'
        ? 'The gateway API key or registry token is not valid'
        : problem.detail;
  return { status, body: { error } };
}

export function sendRegistryError(res: Response, problem: Problem): void {
  const { status, body } = registryErrorBody(problem);
  if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="registry"');
  res.status(status).json(body);
}
