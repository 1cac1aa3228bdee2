import { CoreError, type ErrorCode } from '../../core/errors';

/** Everything that can go wrong in a request, before a dialect gives it its envelope. */
export type ProblemKind =
  | ErrorCode
  | 'ROUTE_NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'MALFORMED_REQUEST'
  | 'REQUEST_TIMEOUT'
  | 'HEADERS_TOO_LARGE'
  | 'INTERNAL';

export interface Problem {
  kind: ProblemKind;
  /** Technical detail, safe to show: never a secret, a stack or an SQL statement. */
  detail: string;
  /** The offending input, in the caller's dialect where it came from its schema. */
  field?: string;
  /** The core error, when there is one (for dialect-specific wording). */
  cause?: CoreError;
}

/**
 * The one table from problems to HTTP statuses. Interfaces differ only on validation failures,
 * which each answers with its own status (Aitronos 422, Zudu 400).
 */
export function statusOf(kind: ProblemKind, validationStatus: 400 | 422 = 400): number {
  switch (kind) {
    case 'VALIDATION_FAILED':
      return validationStatus;
    case 'AUTHENTICATION_REQUIRED':
    case 'INVALID_API_KEY':
      return 401;
    case 'ORGANIZATION_ACCESS_DENIED':
    case 'INSUFFICIENT_PERMISSIONS':
      return 403;
    case 'NOT_FOUND':
    case 'ROUTE_NOT_FOUND':
      return 404;
    case 'METHOD_NOT_ALLOWED':
      return 405;
    case 'NAME_CONFLICT':
    case 'SERVER_INACTIVE':
    case 'APPROVAL_NOT_PENDING':
    case 'SECRET_IN_USE':
    case 'SECRET_ID_TAKEN':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    case 'MALFORMED_REQUEST':
      return 400;
    case 'REQUEST_TIMEOUT':
      return 408;
    case 'HEADERS_TOO_LARGE':
      return 431;
    case 'INTERNAL':
      return 500;
    case 'UPSTREAM_FAILED':
      return 502;
    case 'GATEWAY_BUSY':
      return 503;
  }
}

interface ValidatorIssue {
  path?: string;
  message?: string;
  /** e.g. `required.openapi.validation`, `additionalProperties.openapi.validation`. */
  errorCode?: string;
}

/**
 * Classifies any thrown value. Unknown errors become INTERNAL with a generic detail; the
 * caller logs the original.
 */
export function toProblem(error: unknown): Problem {
  if (error instanceof CoreError) return { kind: error.code, detail: error.message, field: error.field, cause: error };
  const e = error as { status?: number; type?: string; errors?: ValidatorIssue[]; message?: string };
  if (e?.type === 'entity.parse.failed') return { kind: 'VALIDATION_FAILED', detail: 'The request body is not valid JSON', field: 'body' };
  if (e?.type === 'entity.too.large') return { kind: 'PAYLOAD_TOO_LARGE', detail: 'The request body is larger than 1 MB' };
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return { kind: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body encoding is not supported' };
  }
  if (Array.isArray(e?.errors) && typeof e.status === 'number') return fromValidator(e.status, e.errors);
  // Other client faults raised by the HTTP layer (an aborted or unreadable body, a malformed path).
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { kind: 'VALIDATION_FAILED', detail: 'The request could not be read', field: 'body' };
  }
  return { kind: 'INTERNAL', detail: 'An unexpected error occurred' };
}

function fromValidator(status: number, issues: ValidatorIssue[]): Problem {
  if (status === 404) return { kind: 'ROUTE_NOT_FOUND', detail: 'No such route' };
  if (status === 405) return { kind: 'METHOD_NOT_ALLOWED', detail: 'This method is not allowed on this route' };
  if (status === 415) return { kind: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Send the request body as application/json' };
  if (status === 413) return { kind: 'PAYLOAD_TOO_LARGE', detail: 'The request body is larger than 1 MB' };
  if (status >= 500) return { kind: 'INTERNAL', detail: 'An unexpected error occurred' };
  const issue = issues[0] ?? {};
  const { field, detail } = describeIssue(issue);
  return { kind: 'VALIDATION_FAILED', detail, field };
}

/** Turns an Ajv issue into a field name (`credentials.token`) and a sentence naming the rule. */
function describeIssue(issue: ValidatorIssue): { field: string; detail: string } {
  const segments = (issue.path ?? '').split('/').filter(Boolean).map(unescapePointer);
  const location = segments.shift() ?? 'body';
  const field = segments.length ? joinPath(segments) : location;
  const rule = issue.errorCode?.split('.')[0];
  if (rule === 'required') return { field, detail: `Missing required field: ${field}` };
  if (rule === 'additionalProperties') return { field, detail: `Unknown field: ${field}` };
  return { field, detail: `${field} ${issue.message ?? 'is invalid'}` };
}

function joinPath(segments: string[]): string {
  return segments.reduce((acc, segment) => (/^\d+$/.test(segment) ? `${acc}[${segment}]` : acc ? `${acc}.${segment}` : segment), '');
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
