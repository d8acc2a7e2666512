import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';
import { InviteCode, InviteLinkInfo, JoinInviteRequest, JoinInviteResponse } from '@streamcat/protocol';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { ApiErrors, ApiJsonBody, ApiJsonResponse } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { GUEST_TOKEN_TTL_SECONDS } from '../realtime/guest-tokens';
import { InviteLinksService } from './invite-links.service';

/** The browser keeps a link guest's token for this stage, so a removed guest is recognised at their next link. */
const guestCookie = (stageId: string) => `streamcat-guest-${stageId}`;

/** Invite links: public (the code is the credential), for people without an account. */
@ApiTags('studio')
@Controller('api/invites')
export class InvitesController {
  constructor(
    private readonly links: InviteLinksService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** What the link is for, before entering a name. */
  @Get(':code')
  @ApiJsonResponse(200, InviteLinkInfo)
  @ApiErrors(400, 404, 410)
  info(@Param('code', new ZodPipe(InviteCode)) code: string): Promise<InviteLinkInfo> {
    return this.links.info(code);
  }

  /** Uses the link once: a guest token (socket `auth.guestToken`, REST bearer) and a place in the green room. */
  @Post(':code/join')
  @HttpCode(201)
  @ApiJsonBody(JoinInviteRequest)
  @ApiJsonResponse(201, JoinInviteResponse)
  @ApiErrors(400, 403, 404, 410)
  async join(
    @Param('code', new ZodPipe(InviteCode)) code: string,
    @Body(new ZodPipe(JoinInviteRequest)) body: JoinInviteRequest,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JoinInviteResponse> {
    const cookies = parseCookies(req.headers.cookie ?? '');
    const joined = await this.links.join(code, body.displayName, (stageId) => cookies[guestCookie(stageId)]);
    res.cookie(guestCookie(joined.stageId), joined.guestToken, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.config.publicUrl.startsWith('https:'),
      path: '/api/invites',
      maxAge: GUEST_TOKEN_TTL_SECONDS * 1000,
    });
    return joined;
  }
}
