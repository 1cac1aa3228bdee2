import { MASK, SecretScrubber } from '../../core/probe/secret-scrub';
import { exceedsDepth } from '../../core/rules/tool-hash';

describe('SecretScrubber', () => {
  const secret = '\tsecret/"ä\\value ';
  const scrub = new SecretScrubber([secret]);
  const b64 = (text: string) => Buffer.from(text).toString('base64');

  it.each([
    ['as sent', secret],
    ['trimmed, as HTTP sends a header value', secret.trim()],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['JSON-escaped by an ASCII-only encoder', JSON.stringify(secret).slice(1, -1).replace('ä', '\\u00e4')],
    ['JSON-escaped with slashes escaped', JSON.stringify(secret.trim()).slice(1, -1).replace('/', '\\/')],
    ['percent-encoded', encodeURIComponent(secret.trim())],
    ['percent-encoded in lower case', encodeURIComponent(secret.trim()).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ['form-encoded', new URLSearchParams({ v: secret }).toString().slice(2)],
    ['base64', b64(secret.trim())],
    ['base64url', Buffer.from(secret.trim()).toString('base64url')],
    ['hex in upper case', Buffer.from(secret.trim()).toString('hex').toUpperCase()],
  ])('masks the secret %s', (_label, form) => {
    expect(scrub.text(`before ${form} after`)).toBe(`before ${MASK} after`);
  });

  it.each([0, 1, 2, 3])('masks its base64 inside a longer base64 text that puts it %i bytes in', (offset) => {
    const text = b64(`${'x'.repeat(offset)}{"authorization":"Bearer ${JSON.stringify(secret.trim()).slice(1, -1)}"}`);
    const out = scrub.text(text);
    expect(out).toContain(MASK);
    // What is left decodes to nothing of the secret.
    for (const part of out.split(MASK)) expect(Buffer.from(part, 'base64').toString('latin1')).not.toContain('secret');
  });

  it('masks a secret that is very short only where no letter or digit touches it', () => {
    const short = new SecretScrubber(['ab']);
    expect(short.hasShortSecret).toBe(true);
    expect(short.text('Bearer ab; {"k":"ab"} grab a tab abc')).toBe(`Bearer ${MASK}; {"k":"${MASK}"} grab a tab abc`);
    expect(short.text('key=YWI= end')).toBe(`key=${MASK} end`);
  });

  it('ignores empty and blank values, which nothing can leak', () => {
    const none = new SecretScrubber(['', '   ']);
    expect(none.hasShortSecret).toBe(false);
    expect(none.text('a   b')).toBe('a   b');
  });

  it('never re-masks inside a mask, even for a secret that is part of the mask itself', () => {
    expect(new SecretScrubber(['redacted', 'dact']).text('x redacted y')).toBe(`x ${MASK} y`);
    expect(new SecretScrubber(['secret-1']).text('a\u0000secret-1\u0000b')).toBe(`a${MASK}b`);
  });

  it('scrubs every string and key of JSON data, keeping a __proto__ key as data', () => {
    const data = JSON.parse(
      `{"properties":{"${secret.trim().replace(/["\\]/g, (c) => `\\${c}`)}":{"enum":["x ${secret.trim().replace(/["\\]/g, (c) => `\\${c}`)}"]}},"__proto__":{"polluted":true},"n":1,"b":true,"z":null}`,
    );
    const out = scrub.json(data) as Record<string, unknown>;
    expect(out).toEqual({ properties: { [MASK]: { enum: [`x ${MASK}`] } }, ['__proto__']: { polluted: true }, n: 1, b: true, z: null });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('exceedsDepth', () => {
  it('measures 5,000 levels of nesting without running out of stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 5000; i += 1) deep = { type: 'object', properties: { a: deep } };
    expect(exceedsDepth(deep, 64)).toBe(true);
    expect(exceedsDepth([[[[{}]]]], 5)).toBe(false);
    expect(exceedsDepth([[[[[{}]]]]], 5)).toBe(true);
    expect(exceedsDepth('text', 0)).toBe(false);
  });
});
