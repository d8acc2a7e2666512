import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthResponse, LoginRequest, RegisterRequest } from '@streamcat/protocol';
import { ApiErrors, ApiJsonBody, ApiJsonResponse } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { AccountsService } from '../accounts/accounts.service';
import { AuthService } from './auth.service';
import { ClientAddresses } from '../http/client-address.service';
import { RateLimits } from '../rate-limits/rate-limits.service';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly accounts: AccountsService,
    private readonly addresses: ClientAddresses,
    private readonly limits: RateLimits,
  ) {}

  /** Creates the account and provisions its IVS channel and stage in one retry-safe step. */
  @Post('register')
  @ApiJsonBody(RegisterRequest)
  @ApiJsonResponse(201, AuthResponse, 'Account created, channel and stage provisioned')
  @ApiErrors(400, 409, 413, 429, 503)
  async register(@Body(new ZodPipe(RegisterRequest)) body: RegisterRequest, @Req() req: Request): Promise<AuthResponse> {
    // Counted before any work: each sign-up creates IVS resources and runs scrypt.
    await this.limits.consume('signup-overall', 'all');
    await this.limits.consume('signup-per-address', this.addresses.keyOf(req));
    const user = await this.accounts.register(body.username, body.password);
    return this.auth.issue(user);
  }

  @Post('login')
  @HttpCode(200)
  @ApiJsonBody(LoginRequest)
  @ApiJsonResponse(200, AuthResponse)
  @ApiErrors(400, 401, 429)
  login(@Body(new ZodPipe(LoginRequest)) body: LoginRequest, @Req() req: Request): Promise<AuthResponse> {
    return this.auth.login(body.username, body.password, this.addresses.keyOf(req));
  }
}
