import type { FailureClass, ProbeFailureData, ProbeFailureReason, ProbeOutcome } from '../model/probe';
import { classOfFailure, describeProbeFailure } from './failure-reasons';
import { MAX_RESPONSE_BYTES, ResponseTooLarge } from './guarded-fetch';
import { BlockedDestination } from './network-guard';
import type { SecretScrubber, Withheld } from './secret-scrub';

export type { FailureClass, ProbeFailureReason } from '../model/probe';

/**
 * A probe failure as a value: its reason (data), its class, and its sentence. Thrown where the
 * cause is known (a missing secret, a token refused), returned by classifyFailure for the rest,
 * and carried on the outcome to where it is stored and rendered.
 */
export class ProbeFailure extends Error implements ProbeFailureData {
  readonly failureClass: FailureClass;

  constructor(
    readonly reason: ProbeFailureReason,
    message: string = describeProbeFailure(reason),
  ) {
    super(message);
    this.name = 'ProbeFailure';
    this.failureClass = classOfFailure(reason);
  }

  /** The same failure with its sentence as it may be shown and stored. */
  withMessage(message: string): ProbeFailure {
    return new ProbeFailure(this.reason, message);
  }
}

/** A 401 or 403 carried a WWW-Authenticate header (its raw value): the server may want OAuth. */
export class ChallengeSeen {
  constructor(
    readonly status: number,
    readonly header: string,
  ) {}
}

/** The challenge a failed connection met, if any (the raw WWW-Authenticate header). */
export function challengeSeen(related: unknown[]): ChallengeSeen | null {
  return (related.find((r) => r instanceof ChallengeSeen) as ChallengeSeen | undefined) ?? null;
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
  /** The current SDK line's HTTP errors carry the answer here: `{status, text}`. */
  data?: { status?: unknown; text?: unknown };
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
  if (e.name === 'SdkHttpError' && typeof e.data?.status === 'number') return e.data.status;
  if ((e.name === 'StreamableHTTPError' || e.name === 'SseError' || /HTTP/.test(e.message ?? '')) && typeof e.code === 'number') return e.code;
  const match = /\(HTTP (\d{3})\)|HTTP (\d{3})|Non-200 status code \((\d{3})\)/.exec(e.message ?? '');
  return match ? Number(match[1] ?? match[2] ?? match[3]) : null;
}

/**
 * How the upstream's own words (an error body, a redirect target, a certificate name) may
 * appear in a message: scrubbed of every secret, or why they must not appear at all.
 */
export type UpstreamWords = (text: string) => string | Withheld;

/** The words, or null when they are withheld. */
function quoted(upstream: UpstreamWords, text: string): string | null {
  const words = upstream(text);
  return typeof words === 'string' ? words : null;
}

/** The outcome of a failed probe; its class and message are the failure's own. */
export function failedOutcome(failure: ProbeFailure, latencyMs: number): ProbeOutcome {
  const { failureClass, reason, message } = failure;
  return { success: false, failureClass, failure: { failureClass, reason, message }, message, latencyMs, protocolVersion: null, serverInfo: null, tools: null };
}

/** The stored form of a failure (the record's `errorMessage`): its class, then its sentence. */
export function storedFailureText(failure: ProbeFailureData): string {
  return `${failure.failureClass}: ${failure.message}`;
}

/** Sorts any probe error into a typed failure whose sentence is meant for the operator. */
export function classifyFailure(
  error: unknown,
  timedOut: boolean,
  timeoutMs: number,
  /** Errors seen underneath (the HTTP client's), for when `error` lost its causes. */
  related: unknown[] = [],
  upstream: UpstreamWords = (text) => text,
): ProbeFailure {
  if (timedOut) return new ProbeFailure({ kind: 'deadline', timeoutMs });
  const errors = [error, ...related].flatMap(chain);
  return new ProbeFailure(knownReason(errors) ?? networkReason(errors, upstream) ?? answerReason(errors, error, upstream));
}

/** Failures the gateway raised itself, found as values (the HTTP client records them whole). */
function knownReason(errors: ErrorLike[]): ProbeFailureReason | null {
  for (const e of errors) {
    if (e instanceof ProbeFailure) return e.reason;
    if (e instanceof BlockedDestination) return { kind: 'blocked_destination', host: e.host, rule: e.rule };
  }
  if (errors.some((e) => e instanceof ResponseTooLarge)) return { kind: 'response_too_large', limitMb: MAX_RESPONSE_BYTES / 1024 / 1024 };
  if (errors.some((e) => e.message === 'bad port')) return { kind: 'bad_port' };
  return null;
}

/** Socket and TLS failures, by Node's and undici's error codes. */
function networkReason(errors: ErrorLike[], upstream: UpstreamWords): ProbeFailureReason | null {
  const words = (text: string | undefined) => (text ? quoted(upstream, text) : null);
  for (const e of errors) {
    const code =
      typeof e.code === 'string'
        ? e.code
        : (/\b(E[A-Z]{3,}|UND_ERR_[A-Z_]+|CERT_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\b/.exec(e.message ?? '')?.[1] ?? '');
    // A certificate's names come from the upstream: they count as its words.
    if (TLS_CODE.test(code)) return { kind: 'tls', code, words: words(e.message) };
    if (TIMEOUT_CODE.test(code)) return { kind: 'connect_timeout', code };
    if (TRANSPORT_CODE.test(code)) return { kind: 'unreachable', code };
  }
  return null;
}

/** What the server answered, when it answered: a redirect, a refusal, or something not MCP. */
function answerReason(errors: ErrorLike[], error: unknown, upstream: UpstreamWords): ProbeFailureReason {
  for (const e of errors) {
    // The SDK follows redirects only within one origin; anything else is refused, never followed.
    const redirect = /Redirect to (\S+) not followed/.exec(e.message ?? '');
    if (redirect) return { kind: 'redirect', target: quoted(upstream, redirect[1]!) };
  }
  let status: number | null = null;
  for (const e of errors) {
    status ??= httpStatus(e);
    const own = httpStatus(e);
    if (e.name === 'UnauthorizedError' || own === 401 || own === 403) return { kind: 'credentials_refused', status: own };
  }
  const text = errors.map((e) => e.message ?? '').join(' | ');
  if (/self[- ]signed certificate|unable to verify the first certificate|certificate has expired/i.test(text)) {
    return { kind: 'tls', code: null, words: text ? quoted(upstream, text) : null };
  }
  if (errors.some((e) => /other side closed|socket hang up|terminated/i.test(e.message ?? ''))) return { kind: 'closed_early' };
  const words = upstream(errors[0]?.message ?? String(error));
  return typeof words === 'string' ? { kind: 'not_mcp', words, withheld: null, status } : { kind: 'not_mcp', words: null, withheld: words.withheld, status };
}

/**
 * What may be shown or stored of a probe message: every secret the probe used is scrubbed
 * (upstream errors can echo request headers), control characters are dropped, length is capped.
 */
export function sanitizeMessage(message: string, scrubber: SecretScrubber): string {
  // Scrubbed again after whitespace is folded: folding can join what the first pass saw apart.
  const text = scrubber.text(
    scrubber
      .text(message)
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  );
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}
