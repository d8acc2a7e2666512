import { Inject, Injectable } from '@nestjs/common';
import { AuthResponse } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AccessTokenService } from './access-token.service';
import { LoginThrottle } from './login-throttle';
import { DUMMY_HASH_PROMISE, verifyPassword } from './password';

@Injectable()
export class AuthService {
  private readonly throttle = new LoginThrottle();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tokens: AccessTokenService,
  ) {}

  async login(username: string, password: string, ip: string): Promise<AuthResponse> {
    const wait = this.throttle.check(username, ip);
    if (wait > 0) {
      throw new AppError('request/rate-limited', `Too many failed attempts. Try again in ${Math.ceil(wait / 60_000)} minute(s).`);
    }
    const user = await this.users.findByUsername(username);
    // Verify against a dummy hash for unknown users so response time does not reveal who exists.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok) {
      this.throttle.recordFailure(username, ip);
      throw new AppError('auth/invalid-credentials');
    }
    this.throttle.recordSuccess(username);
    return this.issue(await this.users.applyConfiguredRole(user, this.config.moderatorUsernames));
  }

  async issue(user: User): Promise<AuthResponse> {
    return {
      accessToken: this.tokens.sign({ sub: user.id, username: user.username }),
      user: { id: user.id, username: user.username, role: user.role },
    };
  }
}
