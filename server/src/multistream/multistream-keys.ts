import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Stream keys of multistream destinations, encrypted at rest with AES-256-GCM under
 * MULTISTREAM_KEY. The destination's id is the additional data, so a ciphertext copied onto
 * another row does not decrypt. Stored as `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export class MultistreamKeys {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error('MULTISTREAM_KEY must be 32 bytes');
  }

  seal(destinationId: string, plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(destinationId));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), body].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** The key, or null when this ciphertext was not sealed with this MULTISTREAM_KEY (or for this row). */
  open(destinationId: string, sealed: string): string | null {
    const [version, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(destinationId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}

/** Why the server refuses to start: the stored keys were sealed with another MULTISTREAM_KEY. */
export class MultistreamKeyMismatch extends Error {
  constructor() {
    super(
      'MULTISTREAM_KEY does not decrypt the multistream stream keys stored in the database: it is not the key they were saved with. ' +
        'Start with the original MULTISTREAM_KEY (in local mode, DATA_DIR/secrets/multistream-key), or delete the rows of multistream_destinations and let hosts enter their keys again.',
    );
  }
}
