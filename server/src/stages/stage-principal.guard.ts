import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AccessTokenService } from '../auth/access-token.service';
import { AppError } from '../http/app-error';
import { GuestTokens } from '../realtime/guest-tokens';
import { UsersService } from '../users/users.service';
import type { StagePrincipal } from './stage-access';

interface PrincipalRequest extends Request {
  principal?: StagePrincipal | null;
}

/**
 * Bearer auth for stage routes that invite-link guests use too: the header may carry a
 * login access token or a guest token. `optional` lets anonymous viewers through as null.
 */
function principalGuard(optional: boolean) {
  @Injectable()
  class Guard implements CanActivate {
    constructor(
      readonly tokens: AccessTokenService,
      readonly users: UsersService,
      readonly guests: GuestTokens,
    ) {}

    async canActivate(ctx: ExecutionContext): Promise<boolean> {
      const req = ctx.switchToHttp().getRequest<PrincipalRequest>();
      const header = req.headers.authorization;
      if (!header) {
        if (optional) return ((req.principal = null), true);
        throw new AppError('auth/unauthenticated');
      }
      const match = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(header);
      if (!match) throw new AppError('auth/invalid-token');
      let claims: { sub: string } | undefined;
      try {
        claims = this.tokens.verify(match[1]);
      } catch {
        // Not a login token: a guest token or nothing.
        const g = this.guests.verify(match[1]);
        req.principal = { kind: 'guest', guestId: g.guestId, stageId: g.stageId, displayName: g.displayName };
        return true;
      }
      const user = await this.users.findById(claims.sub);
      if (!user) throw new AppError('auth/invalid-token');
      req.principal = { kind: 'user', user };
      return true;
    }
  }
  return Guard;
}

export const StagePrincipalGuard = principalGuard(false);
export const OptionalStagePrincipalGuard = principalGuard(true);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): StagePrincipal | null => ctx.switchToHttp().getRequest<PrincipalRequest>().principal ?? null,
);
