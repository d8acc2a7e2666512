import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config/config';
import { AccessTokenService } from './access-token.service';

const config = { jwtSecret: 'a-server-secret-for-this-spec-0123456789', jwtTtlSeconds: 600 } as AppConfig;

describe('AccessTokenService', () => {
  const tokens = new AccessTokenService(config);

  it('verifies what it signs', () => {
    const v = tokens.verify(tokens.sign({ sub: 'u1', username: 'ada' }));
    expect(v).toMatchObject({ sub: 'u1', username: 'ada' });
    expect(v.expiresAt).toBeGreaterThan(Date.now());
  });

  it('accepts a token signed with the secret as a string (tokens issued before the key object was cached stay valid)', () => {
    const legacy = jwt.sign({ username: 'ada' }, config.jwtSecret, {
      algorithm: 'HS256',
      subject: 'u1',
      expiresIn: 600,
      issuer: 'streamcat',
      audience: 'streamcat',
    });
    expect(tokens.verify(legacy).sub).toBe('u1');
  });

  it('refuses a token signed with another secret', () => {
    const other = new AccessTokenService({ ...config, jwtSecret: 'another-secret-entirely-0123456789abc' });
    expect(() => tokens.verify(other.sign({ sub: 'u1', username: 'ada' }))).toThrow();
  });
});
