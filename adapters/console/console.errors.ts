import type { Response } from 'express';
import { describeViolation, ValidationError } from '../../core/errors';
import { type Problem, statusOf } from '../shared/problem';

/** The form labels the console shows for the core's field paths; its sentences name fields by them. */
const LABELS: Record<string, string> = {
  organizationId: 'Organization',
  name: 'Name',
  description: 'Description',
  url: 'URL',
  transport: 'Transport',
  'auth.type': 'Authentication',
  'auth.token': 'Token',
  'auth.secretId': 'Secret id',
  'auth.apiKey': 'API key',
  'auth.headerName': 'Header name',
  'auth.clientId': 'Client id',
  'auth.clientSecret': 'Client secret',
  'auth.tokenUrl': 'Token URL',
  'auth.scope': 'Scope',
  'auth.accessToken': 'Access token',
  requestHeaders: 'Request headers',
  allowedTools: 'Allowed tools',
  approvalPolicy: 'Approval policy',
  value: 'Value',
  reason: 'Reason',
  key: 'API key',
};

const label = (field: string): string => LABELS[field] ?? (field.startsWith('requestHeaders.') ? `Request header ${field.slice(15)}` : field);

/**
 * The console's error body: `{error: {code, message, field}}`, `field` in core terms so the page
 * puts the message beside its input. A validation message is the sentence the dialects write
 * for the same rule (describeViolation), with the form's labels for field names.
 */
export function consoleErrorBody(problem: Problem): { status: number; body: { error: { code: string; message: string; field?: string } } } {
  const cause = problem.cause;
  const message = cause instanceof ValidationError ? describeViolation(cause.field, cause.violation, label) : problem.detail;
  return {
    status: statusOf(problem.kind, 400),
    body: { error: { code: problem.kind, message, ...(problem.field ? { field: problem.field } : {}) } },
  };
}

export function sendConsoleError(res: Response, problem: Problem): void {
  const { status, body } = consoleErrorBody(problem);
  res.status(status).json(body);
}
