import { Global, Module } from '@nestjs/common';
import { AccountsModule } from '../accounts/accounts.module';
import { UsersModule } from '../users/users.module';
import { AccessTokenService } from './access-token.service';
import { AuthController } from './auth.controller';
import { AuthGuard, OptionalAuthGuard } from './auth.guard';
import { AuthService } from './auth.service';

@Global()
@Module({
  imports: [UsersModule, AccountsModule],
  controllers: [AuthController],
  providers: [AuthService, AccessTokenService, AuthGuard, OptionalAuthGuard],
  exports: [AccessTokenService, AuthGuard, OptionalAuthGuard, UsersModule],
})
export class AuthModule {}
