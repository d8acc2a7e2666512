import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { ModerationAuditController } from './moderation-audit.controller';
import { ModerationAuditService } from './moderation-audit.service';

/** The audit trail on its own, so chat (owner actions) and the moderation panel can both write to it. */
@Module({
  imports: [AuthModule, UsersModule],
  controllers: [ModerationAuditController],
  providers: [ModerationAuditService],
  exports: [ModerationAuditService],
})
export class ModerationAuditModule {}
