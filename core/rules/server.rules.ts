import { ValidationError } from '../errors';

/**
 * The record's invariants, checked whichever dialect wrote. Dialect schemas reject most bad
 * input earlier; these rules hold even for callers that bypass them (CLI import, tests).
 */
export const LIMITS = {
  name: 255,
  description: 5000,
  url: 1000,
  secretValue: 8192,
  headerName: 128,
  headerValue: 8192,
  headerCount: 50,
  toolName: 255,
  allowedTools: 1000,
  clientId: 1024,
  scope: 1024,
  secretId: 255,
} as const;

// C0 controls and DEL; names and identifiers never need them.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function checkName(name: string, field = 'name'): string {
  if (name.trim() === '') throw new ValidationError(field, { rule: 'empty' });
  if ([...name].length > LIMITS.name) throw new ValidationError(field, { rule: 'too_long', limit: LIMITS.name });
  if (CONTROL_CHARS.test(name)) throw new ValidationError(field, { rule: 'control_characters' });
  if (hasLoneSurrogate(name)) throw new ValidationError(field, { rule: 'invalid_unicode' });
  return name.trim();
}

export function checkDescription(description: string, field = 'description'): string {
  if ([...description].length > LIMITS.description) {
    throw new ValidationError(field, { rule: 'too_long', limit: LIMITS.description });
  }
  if (/\u0000/.test(description) || hasLoneSurrogate(description)) {
    throw new ValidationError(field, { rule: 'nul_or_invalid_unicode' });
  }
  return description;
}

/**
 * An MCP endpoint: absolute http(s), at most 1000 characters, and no user:password part:
 * credentials belong in `auth`, where they are encrypted, not in a URL every view returns.
 * Returns the URL as the WHATWG parser reads it (the form the probe dials), so what is stored
 * and shown is what is dialled. Control characters are refused rather than normalised: the
 * parser silently drops tabs and line breaks (`127.0.0.1<TAB>.example.com` is another host than
 * the text shows), and PostgreSQL text cannot hold NUL.
 */
export function checkHttpUrl(url: string, field = 'url'): string {
  const trimmed = url.trim();
  if (trimmed.length > LIMITS.url) throw new ValidationError(field, { rule: 'too_long', limit: LIMITS.url });
  if (CONTROL_CHARS.test(trimmed)) throw new ValidationError(field, { rule: 'control_characters' });
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new ValidationError(field, { rule: 'http_url' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ValidationError(field, { rule: 'http_url' });
  }
  if (!/^https?:\/\//i.test(trimmed) || parsed.hostname === '') {
    throw new ValidationError(field, { rule: 'http_url' });
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ValidationError(field, { rule: 'url_userinfo' });
  }
  if (parsed.href.length > LIMITS.url) throw new ValidationError(field, { rule: 'too_long', limit: LIMITS.url, measured: 'percent_encoded' });
  return parsed.href;
}

/**
 * A credential value. Every secret is sent in an HTTP header (a bearer token, an API key, a Zudu
 * secret referenced as a token, an OAuth client secret inside Basic credentials), so each must
 * be a value a header can carry; anything else would be stored only to make every probe fail.
 */
export function checkSecretValue(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ValidationError(field, { rule: 'required' });
  if (value.length > LIMITS.secretValue) throw new ValidationError(field, { rule: 'too_long', limit: LIMITS.secretValue });
  checkSendableInHeader(value, field);
  return value;
}

// C0 controls, DEL and C1 controls: RFC 9110 field values are visible characters and spaces.
const HEADER_CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
// Node writes header values as Latin-1 and refuses anything above U+00FF.
const BEYOND_LATIN1 = /[^\u0000-\u00ff]/;

/** A value the gateway will send as (part of) an HTTP header value. */
function checkSendableInHeader(value: string, field: string): void {
  if (HEADER_CONTROL_CHARS.test(value)) throw new ValidationError(field, { rule: 'line_breaks' });
  if (hasLoneSurrogate(value)) throw new ValidationError(field, { rule: 'lone_surrogates' });
  if (BEYOND_LATIN1.test(value)) {
    throw new ValidationError(field, { rule: 'beyond_latin1' });
  }
}

/** Text sent percent-encoded (an OAuth client id or scope): any Unicode without control characters. */
export function checkEncodableText(value: string, field: string): string {
  if (HEADER_CONTROL_CHARS.test(value)) throw new ValidationError(field, { rule: 'line_breaks' });
  if (hasLoneSurrogate(value)) throw new ValidationError(field, { rule: 'lone_surrogates' });
  return value;
}

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Headers the HTTP client owns; letting a tenant set them would break or smuggle requests.
const RESERVED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'expect',
]);

export function checkHeaderName(name: string, field: string): string {
  if (!HEADER_NAME.test(name) || name.length > LIMITS.headerName) {
    throw new ValidationError(field, { rule: 'header_name', limit: LIMITS.headerName });
  }
  if (RESERVED_HEADERS.has(name.toLowerCase())) {
    throw new ValidationError(field, { rule: 'reserved_header', name });
  }
  // A legal token, but as a key of a plain object it names the prototype: it would vanish
  // silently somewhere between the request and the upstream. No real server expects it.
  if (name.toLowerCase() === '__proto__') throw new ValidationError(field, { rule: 'prototype_header', name });
  return name;
}

export function checkHeaderValue(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new ValidationError(field, { rule: 'not_string' });
  if (value.length > LIMITS.headerValue) throw new ValidationError(field, { rule: 'too_long', limit: LIMITS.headerValue });
  checkSendableInHeader(value, field);
  return value;
}

export function checkRequestHeaders(headers: Record<string, unknown>, field = 'requestHeaders'): void {
  const names = Object.keys(headers);
  if (names.length > LIMITS.headerCount) throw new ValidationError(field, { rule: 'max_items', limit: LIMITS.headerCount, items: 'headers' });
  const seen = new Map<string, string>();
  for (const name of names) {
    checkHeaderName(name, `${field}.${name}`);
    const first = seen.get(name.toLowerCase());
    if (first !== undefined) throw new ValidationError(`${field}.${name}`, { rule: 'duplicate', first });
    seen.set(name.toLowerCase(), name);
    checkHeaderValue(headers[name], `${field}.${name}`);
  }
}

export function checkAllowedTools(tools: string[] | null, field = 'allowedTools'): string[] | null {
  if (tools === null) return null;
  if (tools.length > LIMITS.allowedTools) throw new ValidationError(field, { rule: 'max_items', limit: LIMITS.allowedTools, items: 'tools' });
  tools.forEach((tool, index) => {
    if (typeof tool !== 'string' || tool === '' || tool.length > LIMITS.toolName || CONTROL_CHARS.test(tool)) {
      throw new ValidationError(`${field}[${index}]`, { rule: 'tool_name', limit: LIMITS.toolName });
    }
  });
  return [...new Set(tools)];
}

function hasLoneSurrogate(text: string): boolean {
  return /(?:[\ud800-\udbff](?![\udc00-\udfff]))|(?:(?<![\ud800-\udbff])[\udc00-\udfff])/.test(text);
}

const SECRET_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** A secret id, chosen by the gateway or by a caller that migrates references intact. */
export function checkSecretId(id: unknown, field = 'secretId'): string {
  if (typeof id !== 'string' || id.length > LIMITS.secretId || !SECRET_ID.test(id)) {
    throw new ValidationError(field, { rule: 'identifier', limit: LIMITS.secretId });
  }
  return id;
}

/**
 * The instants a record may carry: integer epoch milliseconds from 1970-01-01 to 9999-12-31.
 * Wider values fit a JavaScript number but not every view (a Date past year 275760 throws, and
 * an ISO 8601 year needs four digits), so they are refused where they enter, never stored.
 */
export const INSTANT_RANGE = { min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) } as const;

export function checkInstant(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < INSTANT_RANGE.min || value > INSTANT_RANGE.max) {
    throw new ValidationError(field, { rule: 'instant', min: '1970-01-01', max: '9999-12-31' });
  }
  return value;
}

const ORGANIZATION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,254}$/;

/** An organization id as keys carry it: data stored under any other could never be reached. */
export function checkOrganizationId(id: unknown, field = 'organizationId'): string {
  if (typeof id !== 'string' || !ORGANIZATION_ID.test(id)) {
    throw new ValidationError(field, { rule: 'organization_id', value: String(id), limit: 255 });
  }
  return id;
}
