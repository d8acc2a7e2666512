import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import { jwtSecretKey } from './jwt-secret-key';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';

export interface AccessClaims {
  /** user id */
  sub: string;
  username: string;
}

export interface VerifiedAccess extends AccessClaims {
  /** When the token stops being accepted (ms since epoch): open sockets are closed then. */
  expiresAt: number;
}

/** Signs and verifies the bearer tokens used by REST and the socket handshake. */
@Injectable()
export class AccessTokenService {
  private readonly key: KeyObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.key = jwtSecretKey(config.jwtSecret);
  }

  sign(claims: AccessClaims): string {
    return jwt.sign({ username: claims.username }, this.key, {
      algorithm: 'HS256',
      subject: claims.sub,
      expiresIn: this.config.jwtTtlSeconds,
      issuer: 'streamcat',
      audience: 'streamcat',
    });
  }

  verify(token: string): VerifiedAccess {
    try {
      const payload = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        issuer: 'streamcat',
        audience: 'streamcat',
      }) as jwt.JwtPayload;
      if (typeof payload.sub !== 'string' || typeof payload.username !== 'string' || typeof payload.exp !== 'number')
        throw new Error('claims');
      return { sub: payload.sub, username: payload.username, expiresAt: payload.exp * 1000 };
    } catch {
      throw new AppError('auth/invalid-token');
    }
  }
}
