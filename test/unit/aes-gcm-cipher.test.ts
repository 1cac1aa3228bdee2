import { AesGcmCipher, DecryptionFailed, generateEncryptionKey, parseEncryptionKey } from '../../core/secrets/aes-gcm-cipher';

const cipher = new AesGcmCipher(parseEncryptionKey(generateEncryptionKey())!);

describe('AesGcmCipher', () => {
  it('decrypts what it encrypted, including non-ASCII text', () => {
    const text = 'tøken ✓ 🔑';
    expect(cipher.decrypt(cipher.encrypt(text, 'ctx'), 'ctx')).toBe(text);
  });

  it('uses a fresh IV each time, so equal secrets do not look equal', () => {
    expect(cipher.encrypt('same', 'ctx')).not.toBe(cipher.encrypt('same', 'ctx'));
  });

  it('refuses a ciphertext moved to another context (row)', () => {
    expect(() => cipher.decrypt(cipher.encrypt('secret', 'row-1'), 'row-2')).toThrow(DecryptionFailed);
  });

  it('refuses a tampered ciphertext', () => {
    const [v, iv, tag, body] = cipher.encrypt('secret', 'ctx').split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[0]! ^= 1;
    expect(() => cipher.decrypt([v, iv, tag, flipped.toString('base64url')].join('.'), 'ctx')).toThrow(DecryptionFailed);
  });

  it('refuses a ciphertext written under another key', () => {
    const other = new AesGcmCipher(parseEncryptionKey(generateEncryptionKey())!);
    expect(() => other.decrypt(cipher.encrypt('secret', 'ctx'), 'ctx')).toThrow(DecryptionFailed);
  });
});

describe('parseEncryptionKey', () => {
  it('accepts standard and URL-safe base64 of 32 bytes', () => {
    const key = Buffer.alloc(32, 0xfb);
    expect(parseEncryptionKey(key.toString('base64'))).toEqual(key);
    expect(parseEncryptionKey(key.toString('base64url'))).toEqual(key);
  });

  it.each(['', 'short', Buffer.alloc(16).toString('base64'), Buffer.alloc(33).toString('base64'), 'not base64 at all!'])('rejects %j', (text) =>
    expect(parseEncryptionKey(text)).toBeNull(),
  );
});
