import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AccountsService } from './accounts.service';
import { OrphanSweeperService } from './orphan-sweeper.service';

@Module({
  imports: [UsersModule],
  providers: [AccountsService, OrphanSweeperService],
  exports: [AccountsService, OrphanSweeperService],
})
export class AccountsModule {}
