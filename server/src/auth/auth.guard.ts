import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AppError } from '../http/app-error';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AccessTokenService } from './access-token.service';

interface AuthedRequest extends Request {
  user?: User;
}

/**
 * Bearer-token guard for private routes. The user row is re-read on each request
 * so a role change or a deleted account takes effect at once, not at token expiry.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly tokens: AccessTokenService,
    private readonly users: UsersService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const header = req.headers.authorization;
    if (!header) throw new AppError('auth/unauthenticated');
    const match = /^Bearer ([A-Za-z0-9._-]{1,4096})$/.exec(header);
    if (!match) throw new AppError('auth/invalid-token');
    const claims = this.tokens.verify(match[1]);
    const user = await this.users.findById(claims.sub);
    if (!user) throw new AppError('auth/invalid-token');
    req.user = user;
    return true;
  }
}

/**
 * For public routes that personalise when a login is present (e.g. followed channels first):
 * a valid bearer token sets the user; a missing or invalid one means anonymous, never 401.
 */
@Injectable()
export class OptionalAuthGuard implements CanActivate {
  constructor(private readonly inner: AuthGuard) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (!ctx.switchToHttp().getRequest<AuthedRequest>().headers.authorization) return true;
    await this.inner.canActivate(ctx).catch(() => undefined);
    return true;
  }
}

/** The user of this request if logged in (use with OptionalAuthGuard). */
export const OptionalUser = createParamDecorator((_: unknown, ctx: ExecutionContext): User | null => {
  return ctx.switchToHttp().getRequest<AuthedRequest>().user ?? null;
});

/** The authenticated user of this request (use with AuthGuard). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): User => {
  const user = ctx.switchToHttp().getRequest<AuthedRequest>().user;
  if (!user) throw new AppError('auth/unauthenticated');
  return user;
});
