import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InviteCode, InviteLinkInfo, JoinInviteRequest, JoinInviteResponse } from '@streamcat/protocol';
import { ApiErrors, ApiJsonBody, ApiJsonResponse } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { StudioService } from './studio.service';

/** Invite links: public (the code is the credential), for people without an account. */
@ApiTags('studio')
@Controller('api/invites')
export class InvitesController {
  constructor(private readonly studio: StudioService) {}

  /** What the link is for, before entering a name. */
  @Get(':code')
  @ApiJsonResponse(200, InviteLinkInfo)
  @ApiErrors(400, 404, 410)
  info(@Param('code', new ZodPipe(InviteCode)) code: string): Promise<InviteLinkInfo> {
    return this.studio.inviteLinkInfo(code);
  }

  /** Uses the link once: a guest token (socket `auth.guestToken`, REST bearer) and a place in the green room. */
  @Post(':code/join')
  @HttpCode(201)
  @ApiJsonBody(JoinInviteRequest)
  @ApiJsonResponse(201, JoinInviteResponse)
  @ApiErrors(400, 404, 410)
  join(
    @Param('code', new ZodPipe(InviteCode)) code: string,
    @Body(new ZodPipe(JoinInviteRequest)) body: JoinInviteRequest,
  ): Promise<JoinInviteResponse> {
    return this.studio.joinByLink(code, body.displayName);
  }
}
