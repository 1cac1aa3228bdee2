/**
 * The rules an input can break, as data: which rule and the limits or values it involves.
 * Field paths inside a violation (`other`) are core paths, like the error's own field, so a
 * renderer names every field it mentions in its own words.
 */
export type Violation =
  | { rule: 'required' }
  | { rule: 'empty' }
  | { rule: 'not_string' }
  | { rule: 'too_long'; limit: number; measured?: 'percent_encoded' }
  | { rule: 'length'; limit: number }
  | { rule: 'control_characters' }
  /** Header values and percent-encoded text: C0, DEL and C1 controls. */
  | { rule: 'line_breaks' }
  | { rule: 'invalid_unicode' }
  | { rule: 'lone_surrogates' }
  | { rule: 'nul_or_invalid_unicode' }
  | { rule: 'beyond_latin1' }
  | { rule: 'http_url' }
  | { rule: 'url_userinfo' }
  | { rule: 'header_name'; limit: number }
  | { rule: 'reserved_header'; name: string }
  | { rule: 'prototype_header'; name: string }
  | { rule: 'unstorable_header' }
  | { rule: 'duplicate'; first: string }
  | { rule: 'max_items'; limit: number; items: 'headers' | 'tools' }
  | { rule: 'tool_name'; limit: number }
  | { rule: 'tool_name_text'; limit: number }
  | { rule: 'identifier'; limit: number }
  | { rule: 'organization_id'; value: string; limit: number }
  | { rule: 'instant'; min: string; max: string }
  | { rule: 'depth'; limit: number }
  | { rule: 'sha256' }
  | { rule: 'one_of'; allowed: readonly string[] }
  /** A credential field the auth type does not read. */
  | { rule: 'not_allowed'; authType: string }
  | { rule: 'exclusive'; other: string }
  | { rule: 'exclusive_grant' }
  | { rule: 'required_unless'; limit: number; other: string }
  | { rule: 'required_for_grant' }
  | { rule: 'foreign_secret'; secretId: string }
  | { rule: 'mask_without_value' }
  /** A sentence written by the caller that names no field; shown as written. */
  | { rule: 'invalid'; text: string };

/** Gives a core field path (`auth.token`, `requestHeaders.X`) its name in an interface's words. */
export type FieldNamer = (coreField: string) => string;

const ID_CHARACTERS = 'letters, digits or _ . : - starting with a letter or digit';

/**
 * The English sentence of a violation, every field named by `name`. The core uses it with
 * core names; each dialect with its own (they share the English, not the field names).
 */
export function describeViolation(field: string, v: Violation, name: FieldNamer): string {
  const f = name(field);
  switch (v.rule) {
    case 'required':
      return `${f} is required`;
    case 'empty':
      return `${f} must not be empty`;
    case 'not_string':
      return `${f} must be a string`;
    case 'too_long':
      return `${f} must be at most ${v.limit} characters${v.measured === 'percent_encoded' ? ' once percent-encoded' : ''}`;
    case 'length':
      return `${f} must be 1 to ${v.limit} characters`;
    case 'control_characters':
      return `${f} must not contain control characters`;
    case 'line_breaks':
      return `${f} must not contain line breaks or other control characters`;
    case 'invalid_unicode':
      return `${f} must be valid Unicode`;
    case 'lone_surrogates':
      return `${f} must be valid Unicode (no lone surrogates)`;
    case 'nul_or_invalid_unicode':
      return `${f} must be valid Unicode text without NUL characters`;
    case 'beyond_latin1':
      return `${f} must contain only characters up to U+00FF (an HTTP header cannot carry others)`;
    case 'http_url':
      return `${f} must be a valid HTTP/HTTPS URL`;
    case 'url_userinfo':
      return `${f} must not contain a user name or password; put credentials in the authentication settings`;
    case 'header_name':
      return `${f} must be a valid HTTP header name of at most ${v.limit} characters`;
    case 'reserved_header':
      return `${f} '${v.name}' is managed by the gateway and cannot be set`;
    case 'prototype_header':
      return `${f} '${v.name}' is not accepted as a header name`;
    case 'unstorable_header':
      return `${f} is a header name this gateway cannot store`;
    case 'duplicate':
      return `${f} repeats the header name '${v.first}' (header names ignore case)`;
    case 'max_items':
      return v.items === 'headers' ? `${f} may hold at most ${v.limit} headers` : `${f} may list at most ${v.limit} tools`;
    case 'tool_name':
      return `${f} must be a tool name of 1 to ${v.limit} characters`;
    case 'tool_name_text':
      return `${f} must be 1 to ${v.limit} characters without control characters`;
    case 'identifier':
      return `${f} must be 1 to ${v.limit} ${ID_CHARACTERS}`;
    case 'organization_id':
      return `'${v.value}' is not a valid organization id (1 to ${v.limit} ${ID_CHARACTERS})`;
    case 'instant':
      return `${f} must be an instant between ${v.min} and ${v.max} (integer epoch milliseconds)`;
    case 'depth':
      return `${f} must nest objects and arrays at most ${v.limit} levels deep`;
    case 'sha256':
      return `${f} must be a SHA-256 hex digest (64 hexadecimal characters)`;
    case 'one_of':
      return `${f} must be one of ${v.allowed.join(', ')}`;
    case 'not_allowed':
      return `${f} is not used when the auth type is ${v.authType}`;
    case 'exclusive':
      return `Give either ${f} or ${name(v.other)}, not both`;
    case 'exclusive_grant':
      return `Give either ${f} or the client-credentials fields, not both`;
    case 'required_unless':
      return `${f} is required (1 to ${v.limit} characters) unless ${name(v.other)} is given`;
    case 'required_for_grant':
      return `${f} is required for the client-credentials grant`;
    case 'foreign_secret':
      return `${f} '${v.secretId}' holds another server's inline credentials and cannot be referenced`;
    case 'mask_without_value':
      return `${f} is the mask but no value is stored for that header`;
    case 'invalid':
      return v.text;
  }
}
