import { BlockedDestination } from './network-guard';
import type { SecretScrubber } from './secret-scrub';

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

/**
 * How the upstream's own words (an error body, a redirect target, a certificate name) may
 * appear in a message: scrubbed of every secret, or null when they must not appear at all.
 */
export type UpstreamWords = (text: string) => string | null;

const WITHHELD = 'its own words are withheld because a credential sent to it is too short to mask';

/** Node's socket error codes in the gateway's words; its messages name the resolved address. */
const TRANSPORT_SENTENCE: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name did not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
};

/** Sorts any probe error into a failure class with a message meant for the operator. */
export function classifyFailure(
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
  /** Errors seen underneath (the HTTP client's), for when `error` lost its causes. */
  related: unknown[] = [],
  upstream: UpstreamWords = (text) => text,
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
  const withWords = (sentence: string, words: string | undefined) => {
    const shown = words ? upstream(words) : null;
    return shown ? `${sentence}: ${shown}` : sentence;
  };
  for (const e of errors) {
    const code = typeof e.code === 'string' ? e.code : (/\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\b/.exec(e.message ?? '')?.[1] ?? '');
    // A certificate's names come from the upstream: they count as its words.
    if (TLS_CODE.test(code)) return { failureClass: 'tls', message: withWords(`TLS handshake failed (${code})`, e.message) };
    if (TIMEOUT_CODE.test(code)) return { failureClass: 'timeout', message: `The connection timed out (${code})` };
    if (TRANSPORT_CODE.test(code)) return { failureClass: 'transport', message: `Could not reach the server: ${TRANSPORT_SENTENCE[code] ?? 'the connection failed'} (${code})` };
  }
  for (const e of errors) {
    // The SDK follows redirects only within one origin; anything else is refused, never followed.
    const redirect = /Redirect to (\S+) not followed/.exec(e.message ?? '');
    if (redirect) {
      const target = upstream(redirect[1]!);
      return { failureClass: 'blocked', message: `The server redirected to ${target ?? 'another origin'}; redirects are followed only within the same origin` };
    }
  }
  let status: number | null = null;
  for (const e of errors) {
    status ??= httpStatus(e);
    const own = httpStatus(e);
    if (e.name === 'UnauthorizedError' || own === 401 || own === 403) {
      return { failureClass: 'auth', message: `The server refused the credentials${own ? ` (HTTP ${own})` : ''}` };
    }
  }
  if (/self[- ]signed certificate|unable to verify the first certificate|certificate has expired/i.test(text)) {
    return { failureClass: 'tls', message: withWords('TLS handshake failed', text) };
  }
  if (errors.some((e) => /other side closed|socket hang up|terminated/i.test(e.message ?? ''))) {
    return { failureClass: 'transport', message: 'The connection was closed before the server answered' };
  }
  const first = errors[0]?.message ?? String(error);
  const shown = upstream(first);
  if (shown !== null) return { failureClass: 'protocol', message: `The server did not answer as an MCP server: ${shown}` };
  return { failureClass: 'protocol', message: `The server did not answer as an MCP server${status ? ` (HTTP ${status})` : ''}; ${WITHHELD}` };
}

/**
 * What may be shown or stored of a probe message: every secret the probe used is scrubbed
 * (upstream errors can echo request headers), control characters are dropped, length is capped.
 */
export function sanitizeMessage(message: string, scrubber: SecretScrubber): string {
  // Scrubbed again after whitespace is folded: folding can join what the first pass saw apart.
  const text = scrubber.text(scrubber.text(message).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim());
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
