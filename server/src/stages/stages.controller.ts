import { Controller, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ResourceName, StageTokenResponse } from '@streamcat/protocol';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { ApiErrors, ApiJsonResponse } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { User } from '../users/user.entity';
import { StageTokensService } from './stage-tokens.service';

@ApiTags('stages')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('api/stages')
export class StagesController {
  constructor(private readonly tokens: StageTokensService) {}

  /** The caller's participant token for this stage: reused while it has ≥ 60 s left, else minted. */
  @Post(':name/token')
  @HttpCode(200)
  @ApiJsonResponse(200, StageTokenResponse)
  @ApiErrors(401, 403, 404, 503)
  token(@CurrentUser() user: User, @Param('name', new ZodPipe(ResourceName)) name: string): Promise<StageTokenResponse> {
    return this.tokens.ownerToken(user, name);
  }
}
