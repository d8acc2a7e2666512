import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import type { KeyObject } from 'node:crypto';
import { jwtSecretKey } from '../auth/jwt-secret-key';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import type { SocketActor } from './socket-actor';

/** Lifetime of an invite-link guest's socket token. */
export const GUEST_TOKEN_TTL_SECONDS = 4 * 3600;

/**
 * Short-lived tokens for invite-link guests (no account): scoped to one stage, signed with
 * the server's JWT secret but a distinct audience, so they can never pass as a login token.
 */
@Injectable()
export class GuestTokens {
  private readonly key: KeyObject;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = jwtSecretKey(config.jwtSecret);
  }

  issue(input: { stageId: string; displayName: string; guestId?: string }): { guestId: string; token: string } {
    const guestId = input.guestId ?? randomUUID();
    const token = jwt.sign({ stage: input.stageId, name: input.displayName }, this.key, {
      algorithm: 'HS256',
      subject: guestId,
      audience: 'streamcat-guest',
      issuer: 'streamcat',
      expiresIn: GUEST_TOKEN_TTL_SECONDS,
    });
    return { guestId, token };
  }

  verify(token: string): Extract<SocketActor, { kind: 'guest' }> {
    try {
      const p = jwt.verify(token, this.key, {
        algorithms: ['HS256'],
        audience: 'streamcat-guest',
        issuer: 'streamcat',
      }) as jwt.JwtPayload;
      if (typeof p.sub !== 'string' || typeof p.stage !== 'string' || typeof p.name !== 'string') throw new Error('claims');
      return { kind: 'guest', guestId: p.sub, stageId: p.stage, displayName: p.name };
    } catch {
      throw new AppError('auth/invalid-token');
    }
  }
}
