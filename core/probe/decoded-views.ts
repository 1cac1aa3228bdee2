/**
 * What a reader could get out of an upstream text by decoding what looks encoded: HTML
 * entities, JSON/JS escapes, percent-encoding, and every run of base64 or hex. The scrubber
 * searches these views for what it sent, so an encoding it does not mask still cannot carry a
 * secret out (the field is withheld instead). Views are built lazily, only where the text
 * holds something decodable, and decoded twice at most (an entity-escaped base64, say).
 */

/** Base64 and base64url characters; whitespace inside a run is dropped (MIME wraps at 76 columns). */
const BASE64_RUN = /[A-Za-z0-9+/_-]+(?:\s+[A-Za-z0-9+/_-]+)*/g;
const MIN_BASE64_RUN = 12;
const MIN_HEX_RUN = 16;
const HEX_RUN = /[0-9a-fA-F]{16,}/g;
const WHITESPACE = /\s/;
const HTML_ENTITY = /&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos|nbsp);?/g;
const JS_ESCAPE = /\\(u\{[0-9a-fA-F]{1,6}\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|["\\/bfnrt'])/g;
const PERCENT = /%[0-9a-fA-F]{2}/;
const DEPTH = 2;
/**
 * Whether a decoded view holds anything to decode again; most views are the bytes of ordinary
 * words read as base64, and this keeps them from being decoded a second time for nothing.
 */
const DECODABLE = /[A-Za-z0-9+/_-]{12}|&(?:#|amp|lt|gt|quot|apos|nbsp)|\\[ux"\\/bfnrt']|%[0-9a-fA-F]{2}/;

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
const SIMPLE: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', "'": "'", b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Whether `found` holds for any view of `text` decoded once or twice (not the text itself). */
export function anyDecodedView(text: string, found: (view: string) => boolean, depth = DEPTH): boolean {
  return eachDecodedView(text, (view) => found(view) || (depth > 1 && DECODABLE.test(view) && anyDecodedView(view, found, depth - 1)));
}

/** Hands each decoding of the text to `stop`, one at a time, until it answers true. */
function eachDecodedView(text: string, stop: (view: string) => boolean): boolean {
  if (text.includes('&') && stop(text.replace(HTML_ENTITY, (_, entity: string) => entityChar(entity)))) return true;
  if (text.includes('\\') && stop(text.replace(JS_ESCAPE, (_, sequence: string) => escapeChar(sequence)))) return true;
  if (PERCENT.test(text)) {
    // Bytes stay as Latin-1 characters: the scrubber compares with the secret's UTF-8 bytes too.
    const decoded = text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    if (stop(decoded) || (decoded.includes('+') && stop(decoded.replace(/\+/g, ' ')))) return true;
  }
  if (text.length < MIN_BASE64_RUN) return false;
  for (const match of text.matchAll(BASE64_RUN)) {
    if (match[0].length < MIN_BASE64_RUN) continue;
    const run = WHITESPACE.test(match[0]) ? match[0].replace(/\s+/g, '') : match[0];
    if (run.length < MIN_BASE64_RUN) continue;
    // Whatever stands before the encoded part shifts it; one of four starts lines it up.
    const standard = /[-_]/.test(run) ? run.replace(/-/g, '+').replace(/_/g, '/') : run;
    for (let start = 0; start < 4; start += 1) if (stop(base64Bytes(standard.slice(start)))) return true;
    // Hex is base64's alphabet too: its runs lie inside this one.
    if (run.length >= MIN_HEX_RUN) for (const hex of run.matchAll(HEX_RUN)) if (hexViews(hex[0], stop)) return true;
  }
  return false;
}

function hexViews(run: string, stop: (view: string) => boolean): boolean {
  for (let start = 0; start < 2; start += 1) {
    const aligned = run.slice(start, run.length - ((run.length - start) % 2));
    if (stop(Buffer.from(aligned, 'hex').toString('latin1'))) return true;
  }
  return false;
}

/** The bytes of base64 as Latin-1 characters (atob is several times faster than a Buffer round trip). */
function base64Bytes(base64: string): string {
  // A single character left over carries no whole byte, and atob refuses it.
  return atob(base64.length % 4 === 1 ? base64.slice(0, -1) : base64);
}

function entityChar(entity: string): string {
  if (entity[0] !== '#') return NAMED[entity] ?? '';
  const code = entity[1] === 'x' || entity[1] === 'X' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
  return code <= 0x10ffff ? String.fromCodePoint(code) : '';
}

function escapeChar(sequence: string): string {
  if (sequence[0] === 'u' || sequence[0] === 'x') {
    const code = Number.parseInt(sequence.replace(/^u\{?|^x|\}$/g, ''), 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : '';
  }
  return SIMPLE[sequence] ?? sequence;
}
