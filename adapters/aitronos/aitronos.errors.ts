import type { Response } from 'express';
import type { Logger } from 'pino';
import { describeViolation, NotFound, ValidationError } from '../../core/errors';
import { statusOf, type Problem, type ProblemKind } from '../shared/problem';
import { requestIdOf } from '../shared/request-id';
import { dialectErrorHandler } from '../shared/error-handler';
import { toAitronosField } from './aitronos.mapper';

type ErrorType = 'client_error' | 'authentication_error' | 'not_found_error' | 'server_error';

const CODES: Record<ProblemKind, string> = {
  VALIDATION_FAILED: 'VALIDATION_ERROR',
  NOT_FOUND: 'NOT_FOUND',
  ROUTE_NOT_FOUND: 'NOT_FOUND',
  NAME_CONFLICT: 'DUPLICATE_NAME',
  SECRET_IN_USE: 'SECRET_IN_USE',
  SECRET_ID_TAKEN: 'SECRET_ID_TAKEN',
  ORGANIZATION_ACCESS_DENIED: 'ORGANIZATION_ACCESS_DENIED',
  INSUFFICIENT_PERMISSIONS: 'INSUFFICIENT_PERMISSIONS',
  AUTHENTICATION_REQUIRED: 'AUTHENTICATION_REQUIRED',
  INVALID_API_KEY: 'INVALID_API_KEY',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMIT_EXCEEDED',
  MALFORMED_REQUEST: 'MALFORMED_REQUEST',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  INTERNAL: 'INTERNAL_ERROR',
  UPSTREAM_FAILED: 'UPSTREAM_FAILED',
  GATEWAY_BUSY: 'SERVICE_BUSY',
  SERVER_INACTIVE: 'CONFIGURATION_INACTIVE',
  APPROVAL_NOT_PENDING: 'APPROVAL_NOT_PENDING',
};

/** What a user interface may show. */
function userMessage(problem: Problem): string {
  switch (problem.kind) {
    case 'VALIDATION_FAILED':
      return 'The request contains invalid parameters.';
    case 'NOT_FOUND':
      return problem.cause instanceof NotFound && problem.cause.resource === 'server'
        ? `MCP configuration with ID '${problem.cause.id}' not found.`
        : 'The requested resource was not found.';
    case 'ROUTE_NOT_FOUND':
      return 'The requested endpoint does not exist.';
    case 'NAME_CONFLICT':
      return 'An MCP configuration with this name already exists in the organization.';
    case 'AUTHENTICATION_REQUIRED':
      return 'Authentication is required.';
    case 'INVALID_API_KEY':
      return 'The API key is invalid.';
    case 'ORGANIZATION_ACCESS_DENIED':
      return 'You do not have access to this organization.';
    case 'INSUFFICIENT_PERMISSIONS':
      return 'You do not have permission to perform this action.';
    case 'INTERNAL':
      return 'An internal error occurred. Please try again later.';
    case 'RATE_LIMITED':
      return 'Too many requests. Please retry later.';
    default:
      return problem.detail;
  }
}

/** The technical sentence: a broken rule in this dialect's field names, otherwise the detail. */
function systemMessage(problem: Problem): string {
  const cause = problem.cause;
  return cause instanceof ValidationError ? describeViolation(cause.field, cause.violation, toAitronosField) : problem.detail;
}

function errorType(status: number): ErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  return status >= 500 ? 'server_error' : 'client_error';
}

/** The Aitronos error envelope of a problem, and its status. */
export function aitronosErrorBody(problem: Problem, traceId: string): { status: number; body: unknown } {
  const status = statusOf(problem.kind, 422);
  const field = problem.field && problem.cause ? toAitronosField(problem.field) : problem.field;
  const details: Record<string, unknown> = {};
  if (field) details.field = field;
  if (problem.kind === 'NOT_FOUND' && problem.cause instanceof NotFound) details.id = problem.cause.id;
  const body = {
    success: false,
    error: {
      code: CODES[problem.kind],
      message: userMessage(problem),
      system_message: systemMessage(problem),
      type: errorType(status),
      status,
      details,
      trace_id: traceId,
      timestamp: new Date().toISOString(),
    },
  };
  return { status, body };
}

export function sendAitronosError(res: Response, problem: Problem): void {
  const { status, body } = aitronosErrorBody(problem, requestIdOf(res));
  res.status(status).json(body);
}

/** The last middleware under /v1: every error leaves in the Aitronos envelope. */
export const aitronosErrorHandler = (logger: Logger) => dialectErrorHandler(logger, sendAitronosError);
