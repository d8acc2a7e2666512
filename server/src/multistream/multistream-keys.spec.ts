import { randomBytes } from 'node:crypto';
import { MultistreamKeys } from './multistream-keys';

describe('MultistreamKeys', () => {
  const keys = new MultistreamKeys(randomBytes(32));
  const id = '6f1d2c1e-0000-4000-8000-000000000001';

  it('seals so the plaintext is not there, and opens it again', () => {
    const sealed = keys.seal(id, 'live_abcdef123456');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain('abcdef123456');
    expect(keys.open(id, sealed)).toBe('live_abcdef123456');
    // A fresh IV each time: the same key never seals to the same text.
    expect(keys.seal(id, 'live_abcdef123456')).not.toBe(sealed);
  });

  it('opens nothing with another MULTISTREAM_KEY, for another row, or when altered', () => {
    const sealed = keys.seal(id, 'live_abcdef123456');
    expect(new MultistreamKeys(randomBytes(32)).open(id, sealed)).toBeNull();
    expect(keys.open('6f1d2c1e-0000-4000-8000-000000000002', sealed)).toBeNull();
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] ^= 1;
    expect(keys.open(id, [...parts.slice(0, 3), body.toString('base64url')].join('.'))).toBeNull();
    expect(keys.open(id, 'garbage')).toBeNull();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new MultistreamKeys(randomBytes(16))).toThrow(/32 bytes/);
  });
});
