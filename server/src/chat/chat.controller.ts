import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ChatReplayPage, ChatReplayQuery, ResourceName } from '@streamcat/protocol';
import { ApiErrors, ApiJsonResponse, ApiParamOf, ApiQueryOf } from '../http/openapi';
import { ZodPipe } from '../http/validation';
import { ChatService } from './chat.service';

@ApiTags('chat')
@Controller('api/channels')
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  /** Chat replay for a VOD (`streamId`) or the whole channel: public, oldest first, paginated. */
  @Get(':name/chat')
  @ApiParamOf('name', ResourceName)
  @ApiQueryOf(ChatReplayQuery)
  @ApiJsonResponse(200, ChatReplayPage)
  @ApiErrors(400, 404)
  replay(
    @Param('name', new ZodPipe(ResourceName)) name: string,
    @Query(new ZodPipe(ChatReplayQuery)) query: ChatReplayQuery,
  ): Promise<ChatReplayPage> {
    return this.chat.replay(name, query);
  }
}
