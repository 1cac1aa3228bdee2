import type { Response } from 'express';
import type { Logger } from 'pino';
import { describeViolation, NameConflict, NotFound, SecretIdTaken, SecretInUse, UpstreamFailure, ValidationError } from '../../core/errors';
import { dialectErrorHandler } from '../shared/error-handler';
import { statusOf, type Problem } from '../shared/problem';
import { requestIdOf } from '../shared/request-id';
import { toZuduField, zuduFieldPrefix } from './zudu.mapper';

/** `{message, status: "success", error: null, data}`, always 200 as in Zudu and ElevenLabs. */
export function sendZudu(res: Response, message: string, data: unknown): void {
  res.status(200).json({ message, status: 'success', error: null, data });
}

const NOT_FOUND_NAMES = {
  server: 'MCP server',
  secret: 'Secret',
  key: 'API key',
  tool_approval: 'Tool approval',
  approval_request: 'Approval request',
  oauth_connection: 'OAuth connection',
} as const;

/** The seed's wording where it has one; `error` names the field and the rule for validation. */
function describe(problem: Problem, fieldPrefix: string): { message: string; error: string } {
  const cause = problem.cause;
  switch (problem.kind) {
    case 'VALIDATION_FAILED': {
      const error = cause instanceof ValidationError ? describeViolation(cause.field, cause.violation, (f) => toZuduField(f, fieldPrefix)) : problem.detail;
      return { message: 'Validation failed', error };
    }
    case 'AUTHENTICATION_REQUIRED':
    case 'INVALID_API_KEY':
      // One answer for a missing key, a wrong key and a right key with a wrong secret.
      return { message: 'Unauthorized', error: 'Missing or invalid API key/secret' };
    case 'ORGANIZATION_ACCESS_DENIED':
    case 'INSUFFICIENT_PERMISSIONS':
      return { message: 'Forbidden', error: problem.detail };
    case 'NOT_FOUND': {
      if (cause instanceof NotFound && cause.resource === 'tool_approval') {
        return { message: 'Tool approval not found', error: `No approval for tool '${cause.id}' on this MCP server` };
      }
      const what = cause instanceof NotFound ? NOT_FOUND_NAMES[cause.resource] : 'Resource';
      const id = cause instanceof NotFound ? cause.id : '';
      return { message: `${what} not found`, error: `${what} with ID '${id}' not found` };
    }
    case 'ROUTE_NOT_FOUND':
      return { message: 'Not found', error: 'No such route' };
    case 'SERVER_INACTIVE':
      return { message: 'MCP server inactive', error: problem.detail };
    case 'APPROVAL_NOT_PENDING':
      return { message: 'Approval request already decided', error: problem.detail };
    case 'NAME_CONFLICT': {
      const name = cause instanceof NameConflict ? cause.serverName : '';
      return { message: 'MCP server name already exists', error: `MCP server with name '${name}' already exists in organization` };
    }
    case 'SECRET_IN_USE': {
      const users = cause instanceof SecretInUse ? cause.usedBy.join(', ') : '';
      return { message: 'Secret is in use', error: `The secret is used by MCP server(s): ${users}; remove it from them first` };
    }
    case 'SECRET_ID_TAKEN': {
      const id = cause instanceof SecretIdTaken ? cause.secretId : '';
      return { message: 'Secret already exists', error: `Secret with ID '${id}' already exists` };
    }
    case 'METHOD_NOT_ALLOWED':
      return { message: 'Method not allowed', error: problem.detail };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { message: 'Unsupported media type', error: problem.detail };
    case 'PAYLOAD_TOO_LARGE':
      return { message: 'Payload too large', error: problem.detail };
    case 'RATE_LIMITED':
      return { message: 'Too many requests', error: problem.detail };
    case 'MALFORMED_REQUEST':
      return { message: 'Bad request', error: problem.detail };
    case 'REQUEST_TIMEOUT':
      return { message: 'Request timeout', error: problem.detail };
    case 'HEADERS_TOO_LARGE':
      return { message: 'Request header fields too large', error: problem.detail };
    case 'INTERNAL':
      return { message: 'Internal server error', error: 'An unexpected error occurred' };
    case 'GATEWAY_BUSY':
      return { message: 'Gateway busy', error: `busy: ${problem.detail}` };
    case 'UPSTREAM_FAILED': {
      const failureClass = cause instanceof UpstreamFailure ? cause.failureClass : 'protocol';
      return { message: 'MCP server connection failed', error: `${failureClass}: ${problem.detail}` };
    }
  }
}

/** The Zudu error envelope of a problem, and its status; field names carry the body's prefix. */
export function zuduErrorBody(problem: Problem, requestId: string, fieldPrefix = ''): { status: number; body: unknown } {
  const { message, error } = describe(problem, fieldPrefix);
  return { status: statusOf(problem.kind, 400), body: { message, status: 'error', error, request_id: requestId } };
}

/** Field names follow the form of the body the caller sent (`config.url` when it wrapped the fields in `config`). */
export function sendZuduError(res: Response, problem: Problem): void {
  const { status, body } = zuduErrorBody(problem, requestIdOf(res), zuduFieldPrefix(res.req?.body));
  res.status(status).json(body);
}

/** The last middleware under /api: every error leaves in the Zudu envelope. */
export const zuduErrorHandler = (logger: Logger) => dialectErrorHandler(logger, sendZuduError);
