import type { Cipher } from '../ports';
import { AesGcmCipher, DecryptionFailed } from './aes-gcm-cipher';

/**
 * The key in use and the one before it, while secrets are being re-encrypted
 * (MCP_GATEWAY_ENCRYPTION_KEY new, MCP_GATEWAY_PREVIOUS_ENCRYPTION_KEY old): everything is
 * written under the current key and read under whichever of the two it was written with (GCM's
 * tag tells a wrong key apart), so every value stays readable at every moment of `secrets rekey`.
 */
export class KeyRingCipher implements Cipher {
  readonly current: AesGcmCipher;
  readonly previous: AesGcmCipher;

  constructor(current: Buffer, previous: Buffer) {
    this.current = new AesGcmCipher(current);
    this.previous = new AesGcmCipher(previous);
  }

  encrypt(plaintext: string, aad: string): string {
    return this.current.encrypt(plaintext, aad);
  }

  decrypt(envelope: string, aad: string): string {
    try {
      return this.current.decrypt(envelope, aad);
    } catch (error) {
      if (!(error instanceof DecryptionFailed)) throw error;
      return this.previous.decrypt(envelope, aad);
    }
  }
}
