import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ModerationAuditPage, ModerationAuditQuery } from '@streamcat/protocol';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { AppError } from '../http/app-error';
import { ApiErrors, ApiJsonResponse, ApiQueryOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { User } from '../users/user.entity';
import { ModerationAuditService } from './moderation-audit.service';

@ApiTags('moderation')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('api/moderation')
export class ModerationAuditController {
  constructor(private readonly audit: ModerationAuditService) {}

  /** Every moderation action, newest first. Site moderators and admins only. */
  @Get('audit')
  @ApiQueryOf(ModerationAuditQuery)
  @ApiJsonResponse(200, ModerationAuditPage)
  @ApiErrors(400, 401, 403)
  list(@CurrentUser() user: User, @Query(new ZodPipe(ModerationAuditQuery)) query: ModerationAuditQuery): Promise<ModerationAuditPage> {
    if (user.role !== 'moderator' && user.role !== 'admin') throw new AppError('auth/forbidden');
    return this.audit.list(query);
  }
}
