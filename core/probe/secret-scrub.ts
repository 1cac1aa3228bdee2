import { anyDecodedView } from './decoded-views';

export const MASK = '[redacted]';

/**
 * Why an upstream's words were withheld: a secret too short to mask, or a secret that masking
 * left readable once the text is decoded (an encoding no mask knows).
 */
export type Withheld = { withheld: 'short' | 'encoded' };

/**
 * Below this many characters a secret cannot be masked reliably: `ab` occurs inside ordinary
 * words. Such a secret is masked only where it stands alone, and an error message then carries
 * none of the upstream's own words (see classifyFailure).
 */
export const SHORT_SECRET_LENGTH = 4;

/** Fragments of base64 shorter than this could match by chance, so they are not hunted for. */
const MIN_FRAGMENT_LENGTH = 8;

const SENTINEL = '\u0000';

/**
 * Removes every secret a probe sent from what an upstream answered, in every form a body can
 * carry it: as sent, trimmed (HTTP trims header values on the wire), JSON-escaped,
 * percent-encoded, hex, base64 and base64url, including the part of its base64 that stays the
 * same wherever it sits inside a longer base64 text.
 */
/** How many characters of one answer are still searched once decoded. */
export interface ScrubBudget {
  decodedChars: number;
}

const isByte = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 255;

export class SecretScrubber {
  /** Forms of ordinary secrets, longest first, matched anywhere. */
  private readonly anywhere: string[];
  /** Forms of short secrets, matched only where no letter or digit touches them. */
  private readonly standalone: RegExp | null;
  /** Every secret of any length, as text and as its UTF-8 bytes, looked for in decoded views. */
  private readonly decoded: RegExp | null;
  readonly hasShortSecret: boolean;

  constructor(secrets: readonly string[]) {
    const sent = [...new Set(secrets)].filter((s) => s.trim() !== '');
    const short = sent.filter((s) => s.trim().length < SHORT_SECRET_LENGTH);
    const long = sent.filter((s) => s.trim().length >= SHORT_SECRET_LENGTH);
    this.hasShortSecret = short.length > 0;
    this.anywhere = [...new Set(long.flatMap(formsOf))].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
    const shortForms = [...new Set(short.flatMap(shortFormsOf))].filter((f) => f.length > 0).sort((a, b) => b.length - a.length);
    this.standalone = shortForms.length ? new RegExp(`(?<![A-Za-z0-9])(?:${shortForms.map(escapeRegExp).join('|')})(?![A-Za-z0-9])`, 'g') : null;
    // One expression for all of them: one pass over a view whatever the number of secrets.
    // As text, as its UTF-8 bytes, and as its UTF-16LE bytes (Windows tools and .NET encode so).
    const needles = [
      ...new Set(sent.flatMap(textFormsOf).flatMap((t) => [t, Buffer.from(t, 'utf8').toString('latin1'), Buffer.from(t, 'utf16le').toString('latin1')])),
    ].filter((n) => n.length > 0);
    this.decoded = needles.length
      ? new RegExp(
          needles
            .sort((a, b) => b.length - a.length)
            .map(escapeRegExp)
            .join('|'),
        )
      : null;
  }

  /** The text with every form of every secret replaced by [redacted]. */
  text(text: string): string {
    // NUL marks what is already masked, so a shorter form never matches inside a mask.
    let out = text.includes(SENTINEL) ? text.split(SENTINEL).join('') : text;
    for (const form of this.anywhere) if (out.includes(form)) out = out.split(form).join(SENTINEL);
    out = out.split(SENTINEL).join(MASK);
    return this.standalone ? out.replace(this.standalone, MASK) : out;
  }

  /** Whether the text carries a secret in any form, masked or still readable once decoded. */
  carries(text: string): boolean {
    const masked = this.text(text);
    return masked !== text || this.readableOnceDecoded(masked);
  }

  /**
   * An upstream text field as it may be stored or returned: masked, or [redacted] as a whole
   * when a secret can still be read out of it by decoding it (fail closed: no list of encodings
   * to mask is ever complete).
   */
  field(text: string): string {
    const masked = this.text(text);
    return this.readableOnceDecoded(masked) ? MASK : masked;
  }

  /**
   * The upstream's own words as an error message may quote them, or why they must not appear:
   * a secret too short to mask, or one still readable in them once decoded.
   */
  words(text: string): string | Withheld {
    if (this.hasShortSecret) return { withheld: 'short' };
    const masked = this.text(text);
    // Folding whitespace (as sanitizeMessage does) can join what was apart: both are checked.
    const folded = masked.replace(/\s+/g, ' ');
    return this.readableOnceDecoded(masked) || this.readableOnceDecoded(folded) ? { withheld: 'encoded' } : masked;
  }

  private readableOnceDecoded(masked: string): boolean {
    const needle = this.decoded;
    return needle !== null && anyDecodedView(masked, (view) => needle.test(view));
  }

  /**
   * A copy of JSON data with every string and every object key scrubbed, and every array of
   * byte values (a serialised Buffer) that spells a secret withheld. Recursive: callers bound the
   * depth first (see exceedsDepth in core/rules/tool-hash.ts). `budget` bounds how many
   * characters are searched once decoded (the costly part, about half a second per MB of crafted
   * text, on the event loop): past it, strings are masked in every known form but not decoded.
   */
  json(value: unknown, budget: ScrubBudget = { decodedChars: Number.POSITIVE_INFINITY }): unknown {
    if (typeof value === 'string') return this.within(value, budget);
    if (Array.isArray(value)) {
      if (value.length >= SHORT_SECRET_LENGTH && value.length <= budget.decodedChars && value.every(isByte)) {
        budget.decodedChars -= value.length;
        if (this.carries(Buffer.from(value as number[]).toString('latin1'))) return MASK;
      }
      return value.map((v) => this.json(v, budget));
    }
    if (value !== null && typeof value === 'object') {
      // fromEntries defines own properties, so a key named __proto__ stays data.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.within(k, budget), this.json(v, budget)]));
    }
    return value;
  }

  private within(text: string, budget: ScrubBudget): string {
    if (text.length > budget.decodedChars) return this.text(text);
    budget.decodedChars -= text.length;
    return this.field(text);
  }
}

/** The secret as text can carry it: as sent, trimmed, and JSON-escaped the ways encoders write it. */
function textFormsOf(secret: string): string[] {
  const forms = new Set<string>();
  for (const s of [secret, secret.trim()]) {
    const json = JSON.stringify(s).slice(1, -1);
    forms.add(s).add(json).add(json.replace(/\//g, '\\/')).add(asciiJson(json, false)).add(asciiJson(json, true));
  }
  return [...forms];
}

/** Each text form percent-encoded (as URIs and forms do) and base64-encoded. */
function directFormsOf(secret: string): string[] {
  return textFormsOf(secret).flatMap((t) => {
    const percent = encodeURIComponent(t);
    const bytes = Buffer.from(t, 'utf8');
    return [
      t,
      percent,
      percent.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
      encodeURI(t),
      new URLSearchParams({ v: t }).toString().slice(2),
      bytes.toString('base64'),
      bytes.toString('base64').replace(/=+$/, ''),
      bytes.toString('base64url'),
    ];
  });
}

/** A very short secret's forms, hex included: masked only where they stand alone. */
function shortFormsOf(secret: string): string[] {
  const hex = textFormsOf(secret).map((t) => Buffer.from(t, 'utf8').toString('hex'));
  return [...directFormsOf(secret), ...hex, ...hex.map((h) => h.toUpperCase())];
}

function formsOf(secret: string): string[] {
  const forms = directFormsOf(secret);
  for (const t of textFormsOf(secret)) {
    const bytes = Buffer.from(t, 'utf8');
    forms.push(bytes.toString('hex'), bytes.toString('hex').toUpperCase());
    // Inside a longer base64 text the secret starts at one of three bit offsets; the characters
    // made only of its own bits are the same whatever surrounds it.
    for (let offset = 0; offset < 3; offset += 1) {
      const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
      const from = Math.ceil((8 * offset) / 6);
      const to = Math.floor((8 * shifted.length) / 6);
      for (const encoding of ['base64', 'base64url'] as const) {
        const fragment = shifted.toString(encoding).slice(from, to);
        if (fragment.length >= MIN_FRAGMENT_LENGTH) forms.push(fragment);
      }
    }
  }
  return forms;
}

/** JSON as ASCII-only encoders write it (Python's json.dumps): every non-ASCII unit as \uXXXX. */
function asciiJson(json: string, upper: boolean): string {
  return json.replace(/[^\u0000-\u007f]/g, (c) => {
    const hex = c.charCodeAt(0).toString(16).padStart(4, '0');
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
