import type { FailureClass, ProbeFailureData } from './model/probe';
import { describeViolation, type Violation } from './rules/violations';

export { describeViolation, type FieldNamer, type Violation } from './rules/violations';

/**
 * Domain errors. Each carries a code that adapters translate to HTTP; none knows about HTTP.
 * `field` names the offending input in core terms (e.g. `url`, `auth.token`,
 * `requestHeaders.X-Team`); a ValidationError also says which rule was broken and its limits,
 * so each interface writes its own sentence from the data (its field names, its words). The
 * `message` is the core's own wording, for logs, the CLI and import reports.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_FOUND'
  | 'NAME_CONFLICT'
  | 'SECRET_IN_USE'
  | 'SECRET_ID_TAKEN'
  | 'ORGANIZATION_ACCESS_DENIED'
  | 'INSUFFICIENT_PERMISSIONS'
  | 'AUTHENTICATION_REQUIRED'
  | 'INVALID_API_KEY'
  | 'UPSTREAM_FAILED'
  | 'GATEWAY_BUSY'
  | 'SERVER_INACTIVE'
  | 'APPROVAL_NOT_PENDING';

export class CoreError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * An input broke a rule. Give the rule as data (`{rule: 'too_long', limit: 255}`); a plain
 * sentence is accepted for callers whose text names no field (it is shown as written).
 */
export class ValidationError extends CoreError {
  declare readonly field: string;
  readonly violation: Violation;

  constructor(field: string, violation: Violation | string) {
    const data: Violation = typeof violation === 'string' ? { rule: 'invalid', text: violation } : violation;
    super(
      'VALIDATION_FAILED',
      describeViolation(field, data, (name) => name),
      field,
    );
    this.violation = data;
  }

  get rule(): Violation['rule'] {
    return this.violation.rule;
  }
}

export type ResourceKind = 'server' | 'secret' | 'key' | 'tool_approval' | 'approval_request' | 'oauth_connection';

export class NotFound extends CoreError {
  constructor(
    readonly resource: ResourceKind,
    readonly id: string,
  ) {
    super('NOT_FOUND', `${resource} '${id}' not found`);
  }
}

export class NameConflict extends CoreError {
  constructor(
    readonly serverName: string,
    readonly organizationId: string,
  ) {
    super('NAME_CONFLICT', `A server named '${serverName}' already exists in organization '${organizationId}'`, 'name');
  }
}

export class SecretInUse extends CoreError {
  constructor(
    readonly secretId: string,
    readonly usedBy: string[],
  ) {
    super('SECRET_IN_USE', `Secret '${secretId}' is used by ${usedBy.length} server(s)`);
  }
}

export class SecretIdTaken extends CoreError {
  constructor(readonly secretId: string) {
    super('SECRET_ID_TAKEN', `A secret with id '${secretId}' already exists in this organization`, 'secretId');
  }
}

export class OrganizationAccessDenied extends CoreError {
  constructor(readonly organizationId: string) {
    super('ORGANIZATION_ACCESS_DENIED', `This key has no access to organization '${organizationId}'`, 'organization_id');
  }
}

export class InsufficientPermissions extends CoreError {
  constructor(message: string) {
    super('INSUFFICIENT_PERMISSIONS', message);
  }
}

export class AuthenticationRequired extends CoreError {
  constructor(message = 'An API key is required') {
    super('AUTHENTICATION_REQUIRED', message);
  }
}

export class InvalidApiKey extends CoreError {
  constructor() {
    super('INVALID_API_KEY', 'The API key is invalid or has been revoked');
  }
}

/** The MCP server itself could not be reached or did not behave; the request was fine. */
export class UpstreamFailure extends CoreError {
  constructor(readonly failure: ProbeFailureData) {
    super('UPSTREAM_FAILED', failure.message);
  }

  get failureClass(): FailureClass {
    return this.failure.failureClass;
  }
}

/**
 * The gateway could not start the work in time (no probe slot for this organization): neither
 * the caller's fault nor the upstream's, and worth retrying shortly.
 */
export class GatewayBusy extends CoreError {
  constructor(message: string) {
    super('GATEWAY_BUSY', message);
  }
}

/** The server exists and the caller may see it, but it is switched off (`is_active: false`): agents cannot reach it. */
export class ServerInactive extends CoreError {
  constructor(readonly id: string) {
    super('SERVER_INACTIVE', `Server '${id}' is inactive; set is_active to true to reach it through the MCP endpoint`);
  }
}

/** A decision on an approval request that is no longer waiting for one (decided, used or expired). */
export class ApprovalNotPending extends CoreError {
  constructor(
    readonly id: string,
    readonly status: string,
  ) {
    super('APPROVAL_NOT_PENDING', `Approval request '${id}' is ${status}; only a pending request can be decided`);
  }
}
