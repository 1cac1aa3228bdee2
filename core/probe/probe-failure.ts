import { BlockedDestination } from './network-guard';

import type { FailureClass } from '../model/probe';

export type { FailureClass } from '../model/probe';

/** A failure whose class is already known where it happens (a missing secret, a token refused). */
export class ProbeFailure extends Error {
  constructor(
    readonly failureClass: FailureClass,
    message: string,
  ) {
    super(message);
    this.name = 'ProbeFailure';
  }
}

const TLS_CODE = /^(CERT_|ERR_TLS_|ERR_SSL_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|HOSTNAME_MISMATCH)/;
const TRANSPORT_CODE = /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ECONNABORTED|UND_ERR_SOCKET|UND_ERR_CLOSED)$/;
const TIMEOUT_CODE = /^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/;

interface ErrorLike {
  name?: string;
  code?: unknown;
  message?: string;
  cause?: unknown;
  errors?: unknown[];
}

/** The error and every cause under it (fetch wraps the socket error as `cause`). */
function chain(error: unknown): ErrorLike[] {
  const seen: ErrorLike[] = [];
  const queue: unknown[] = [error];
  while (queue.length && seen.length < 20) {
    const e = queue.shift() as ErrorLike | undefined;
    if (!e || typeof e !== 'object' || seen.includes(e)) continue;
    seen.push(e);
    queue.push(e.cause, ...(Array.isArray(e.errors) ? e.errors : []));
  }
  return seen;
}

/** HTTP status carried by the SDK's transport errors (StreamableHTTPError, SseError). */
function httpStatus(e: ErrorLike): number | null {
  if ((e.name === 'StreamableHTTPError' || e.name === 'SseError' || /HTTP/.test(e.message ?? '')) && typeof e.code === 'number') return e.code;
  const match = /\(HTTP (\d{3})\)|HTTP (\d{3})|Non-200 status code \((\d{3})\)/.exec(e.message ?? '');
  return match ? Number(match[1] ?? match[2] ?? match[3]) : null;
}

/** Sorts any probe error into a failure class with a message meant for the operator. */
export function classifyFailure(
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
  /** Errors seen underneath (the HTTP client's), for when `error` lost its causes. */
  related: unknown[] = [],
): { failureClass: FailureClass; message: string } {
  if (timedOut) return { failureClass: 'timeout', message: `The server did not complete the MCP handshake and tool listing within ${timeoutMs} ms` };
  const errors = [error, ...related].flatMap(chain);
  for (const e of errors) {
    if (e instanceof ProbeFailure) return { failureClass: e.failureClass, message: e.message };
    if (e instanceof BlockedDestination) return { failureClass: 'blocked', message: e.message };
  }
  // The SSE client flattens its causes into one message: read the same facts from the text.
  const text = errors.map((e) => e.message ?? '').join(' | ');
  const blocked = /Refused to connect to .*? addresses are blocked; an operator can open it with MCP_GATEWAY_ALLOWED_HOSTS/.exec(text);
  if (blocked) return { failureClass: 'blocked', message: blocked[0] };
  const tooLarge = errors.find((e) => e.name === 'ResponseTooLarge' || /answer is larger than \d+ MB/.test(e.message ?? ''));
  if (tooLarge) return { failureClass: 'protocol', message: /The server's answer is larger than \d+ MB/.exec(tooLarge.message ?? '')?.[0] ?? 'The answer was too large' };
  if (errors.some((e) => e.message === 'bad port')) {
    return { failureClass: 'blocked', message: 'The port is on the list HTTP clients refuse to connect to (the fetch standard\'s bad ports)' };
  }
  for (const e of errors) {
    const code = typeof e.code === 'string' ? e.code : (/\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\b/.exec(e.message ?? '')?.[1] ?? '');
    if (TLS_CODE.test(code)) return { failureClass: 'tls', message: `TLS handshake failed: ${e.message ?? code}` };
    if (TIMEOUT_CODE.test(code)) return { failureClass: 'timeout', message: `The connection timed out (${code})` };
    if (TRANSPORT_CODE.test(code)) return { failureClass: 'transport', message: `Could not reach the server: ${e.message ?? code}` };
  }
  for (const e of errors) {
    // The SDK follows redirects only within one origin; anything else is refused, never followed.
    const redirect = /Redirect to (\S+) not followed/.exec(e.message ?? '');
    if (redirect) {
      return { failureClass: 'blocked', message: `The server redirected to ${redirect[1]}; redirects are followed only within the same origin` };
    }
  }
  for (const e of errors) {
    const status = httpStatus(e);
    if (e.name === 'UnauthorizedError' || status === 401 || status === 403) {
      return { failureClass: 'auth', message: `The server refused the credentials${status ? ` (HTTP ${status})` : ''}` };
    }
  }
  if (/self[- ]signed certificate|unable to verify the first certificate|certificate has expired/i.test(text)) {
    return { failureClass: 'tls', message: `TLS handshake failed: ${text}` };
  }
  if (errors.some((e) => /other side closed|socket hang up|terminated/i.test(e.message ?? ''))) {
    return { failureClass: 'transport', message: 'The connection was closed before the server answered' };
  }
  const first = errors[0];
  return { failureClass: 'protocol', message: `The server did not answer as an MCP server: ${first?.message ?? String(error)}` };
}

/**
 * What may be shown or stored of a probe message: every secret the probe used is masked
 * (upstream errors can echo request headers), control characters are dropped, length is capped.
 */
export function sanitizeMessage(message: string, secrets: readonly string[]): string {
  let text = message;
  for (const secret of [...secrets].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length)) {
    text = text.split(secret).join('[redacted]');
  }
  text = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
