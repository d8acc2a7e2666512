import { Controller, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ResourceName, ShowStageTokenResponse, StageTokenResponse } from '@streamcat/protocol';
import { AppError } from '../http/app-error';
import { ClientAddresses } from '../http/client-address.service';
import { ApiErrors, ApiJsonResponse, ApiParamOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import type { StagePrincipal } from './stage-access';
import { CurrentPrincipal, OptionalStagePrincipalGuard, StagePrincipalGuard } from './stage-principal.guard';
import { ViewerSessions } from '../viewer-sessions/viewer-sessions.service';
import { StageTokensService } from './stage-tokens.service';

@ApiTags('stages')
@ApiBearerAuth()
@Controller('api/stages')
export class StagesController {
  constructor(
    private readonly tokens: StageTokensService,
    private readonly viewers: ViewerSessions,
    private readonly addresses: ClientAddresses,
  ) {}

  /**
   * The caller's PUBLISH+SUBSCRIBE participant token: the owner's, or an admitted studio
   * member's (login token or invite-link guest token). Reused while it has ≥ 60 s left.
   */
  @Post(':name/token')
  @ApiParamOf('name', ResourceName)
  @HttpCode(200)
  @UseGuards(StagePrincipalGuard)
  @ApiJsonResponse(200, StageTokenResponse)
  @ApiErrors(401, 403, 404, 503)
  token(
    @CurrentPrincipal() principal: StagePrincipal | null,
    @Param('name', new ZodPipe(ResourceName)) name: string,
  ): Promise<StageTokenResponse> {
    if (!principal) throw new AppError('auth/unauthenticated');
    return this.tokens.tokenFor(principal, name);
  }

  /**
   * A PUBLISH-only token on the studio's public show stage, for a member who is on air while
   * real-time viewing is open: 403 `stage/not-on-air` for a member backstage, 409
   * `stage/show-not-needed` while nobody watches. Reused while it has ≥ 60 s left; taking the
   * member off air deletes it and disconnects its participant before the host's change is acked.
   */
  @Post(':name/show-token')
  @ApiParamOf('name', ResourceName)
  @HttpCode(200)
  @UseGuards(StagePrincipalGuard)
  @ApiJsonResponse(200, ShowStageTokenResponse)
  @ApiErrors(401, 403, 404, 409, 503)
  showToken(
    @CurrentPrincipal() principal: StagePrincipal | null,
    @Param('name', new ZodPipe(ResourceName)) name: string,
  ): Promise<ShowStageTokenResponse> {
    if (!principal) throw new AppError('auth/unauthenticated');
    return this.tokens.showTokenFor(principal, name);
  }

  /**
   * A PUBLISH-only token for the caller's screen share on the studio stage: a participant of its
   * own beside their camera (userId = member id, attribute `screen-share` = "true"), only while
   * their share is declared in the studio document (`studio:screen-share`): 403
   * `stage/not-sharing` otherwise, `studio/full` for a member seated without a camera.
   */
  @Post(':name/screen-token')
  @ApiParamOf('name', ResourceName)
  @HttpCode(200)
  @UseGuards(StagePrincipalGuard)
  @ApiJsonResponse(200, StageTokenResponse)
  @ApiErrors(401, 403, 404, 503)
  screenToken(
    @CurrentPrincipal() principal: StagePrincipal | null,
    @Param('name', new ZodPipe(ResourceName)) name: string,
  ): Promise<StageTokenResponse> {
    if (!principal) throw new AppError('auth/unauthenticated');
    return this.tokens.screenTokenFor(principal, name, 'studio');
  }

  /** The same on the show stage, under the show-token rules too (on air, show stage needed). */
  @Post(':name/show-screen-token')
  @ApiParamOf('name', ResourceName)
  @HttpCode(200)
  @UseGuards(StagePrincipalGuard)
  @ApiJsonResponse(200, StageTokenResponse)
  @ApiErrors(401, 403, 404, 409, 503)
  showScreenToken(
    @CurrentPrincipal() principal: StagePrincipal | null,
    @Param('name', new ZodPipe(ResourceName)) name: string,
  ): Promise<StageTokenResponse> {
    if (!principal) throw new AppError('auth/unauthenticated');
    return this.tokens.screenTokenFor(principal, name, 'show');
  }

  /**
   * A SUBSCRIBE-only token on the show stage for any viewer (login optional) while real-time viewing is open;
   * 403 `stage/not-live` otherwise. One token per viewer session, reused until near expiry:
   * an anonymous caller without a viewer-session cookie is given one (Set-Cookie). New
   * anonymous tokens are limited per client address: 429 with Retry-After beyond it.
   */
  @Post(':name/viewer-token')
  @ApiParamOf('name', ResourceName)
  @HttpCode(200)
  @UseGuards(OptionalStagePrincipalGuard)
  @ApiJsonResponse(200, StageTokenResponse)
  @ApiErrors(400, 403, 404, 429, 503)
  viewerToken(
    @CurrentPrincipal() principal: StagePrincipal | null,
    @Param('name', new ZodPipe(ResourceName)) name: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StageTokenResponse> {
    if (principal) return this.tokens.viewerToken(principal, name);
    const session = this.viewers.ensure(req, (cookie) => res.append('Set-Cookie', cookie));
    return this.tokens.viewerToken({ kind: 'anonymous', session, address: this.addresses.keyOf(req) }, name);
  }
}
