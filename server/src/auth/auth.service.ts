import { Inject, Injectable } from '@nestjs/common';
import { AuthResponse } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { AppError } from '../http/app-error';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AccessTokenService } from './access-token.service';
import { RateLimits } from '../rate-limits/rate-limits.service';
import { loginBackoffSeconds } from '../rate-limits/rate-limits.policy';
import { DUMMY_HASH_PROMISE, verifyPassword } from './password';

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tokens: AccessTokenService,
    private readonly limits: RateLimits,
  ) {}

  /**
   * `address` is the client's address key (ClientAddresses). Failures make only the failing
   * address wait (growing backoff), never the account itself: nobody can lock its owner out.
   */
  async login(username: string, password: string, address: string): Promise<AuthResponse> {
    const pair = `${address}|${username}`;
    const waits = await Promise.all([
      this.limits.waitMs('login-failures-per-address', address),
      this.limits.waitMs('login-failures-per-account-address', pair),
    ]);
    if (waits[0] > 0) throw this.limits.refusalAfter('login-failures-per-address', waits[0]);
    if (waits[1] > 0) throw this.limits.refusalAfter('login-failures-per-account-address', waits[1]);
    const user = await this.users.findByUsername(username);
    // Verify against a dummy hash for unknown users so response time does not reveal who exists.
    const ok = await verifyPassword(password, user?.passwordHash ?? (await DUMMY_HASH_PROMISE));
    if (!user || !ok) {
      await this.recordFailure(address, pair);
      throw new AppError('auth/invalid-credentials');
    }
    await this.limits.reset('login-failures-per-account-address', pair);
    return this.issue(user);
  }

  private async recordFailure(address: string, pair: string): Promise<void> {
    await this.limits.record('login-failures-per-account-address', pair);
    const failures = await this.limits.record('login-failures-per-address', address);
    if (failures < this.config.rateLimits['login-failures-per-address'].points) return;
    // The address spent its budget: it waits, longer each time today.
    const lockouts = await this.limits.record('login-lockouts-per-address', address);
    await this.limits.block('login-failures-per-address', address, loginBackoffSeconds(lockouts));
  }

  async issue(user: User): Promise<AuthResponse> {
    return {
      accessToken: this.tokens.sign({ sub: user.id, username: user.username }),
      user: { id: user.id, username: user.username, role: user.role },
    };
  }
}
